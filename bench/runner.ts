/**
 * `npm run bench:runner`: Dials' own overhead per trial when `dials tune`
 * runs the command `true`, with the cost of spawning the process subtracted.
 *
 * For each storage (SQLite file, PostgreSQL schema) and parallelism P (1, 4):
 *  - spawn: N runs of `true` with the runner's spawn options (own process
 *    group, piped stdout/stderr), P at a time, with no storage: wall time T_spawn;
 *  - tune: the same N trials through tune() (ask under the study-wide budget,
 *    suggestions, spawn, protocol, tell with logs), P at a time: wall time T_tune.
 * Overhead per trial = (T_tune − T_spawn) / N. Every trial ends FAIL (`true`
 * prints no result), which takes the same path as a COMPLETE one.
 * Writes bench/results/runner.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfigText } from '../src/config/load-config.js';
import { tune } from '../src/runner/tune.js';

const N = Number(process.env.DIALS_BENCH_RUNNER_TRIALS ?? 200);
const PG_URL = process.env.DIALS_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('true', [], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.resume();
    c.stderr.resume();
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

async function spawnOnly(n: number, parallel: number): Promise<number> {
  let left = n;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) await spawnTrue();
    }),
  );
  return performance.now() - t0;
}

async function tuneRun(storage: string, n: number, parallel: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dials-bench-runner-'));
  try {
    const text = `study: bench-${parallel}-${Date.now()}\ncommand: ['true']\nspace:\n  x: { type: float, low: 0, high: 1 }\n  y: { type: int, low: 0, high: 10 }\nsampler: { type: random, seed: 1 }\ntrials: ${n}\nparallel: ${parallel}\n`;
    const config = parseConfigText(text, join(dir, 'bench.yaml'));
    const t0 = performance.now();
    const summary = await tune({ config, storage, progress: 'none' });
    const ms = performance.now() - t0;
    if (summary.ran.fail !== n) throw new Error(`expected ${n} trials, got ${JSON.stringify(summary.ran)}`);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  storage: string;
  parallel: number;
  trials: number;
  spawnMsPerTrial: number;
  tuneMsPerTrial: number;
  overheadMsPerTrial: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dials-bench-runner-db-'));
  const schema = `dials_bench_runner_${process.pid}`;
  const pgUrl = (() => {
    const u = new URL(PG_URL);
    u.searchParams.set('schema', schema);
    return u.toString();
  })();
  try {
    await spawnOnly(20, 1); // warm-up
    for (const [label, storage] of [
      ['sqlite', `sqlite:${join(dir, 'bench.db')}`],
      ['postgresql', pgUrl],
    ] as const) {
      for (const parallel of [1, 4]) {
        await tuneRun(storage, 10, parallel); // warm-up: opens the storage, JIT
        // Interleaved and repeated, so a load spike on a shared machine hits both sides alike.
        const spawnMs: number[] = [];
        const tuneMs: number[] = [];
        for (let rep = 0; rep < 3; rep++) {
          spawnMs.push(await spawnOnly(N, parallel));
          tuneMs.push(await tuneRun(storage, N, parallel));
        }
        const med = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
        const row: Row = {
          storage: label,
          parallel,
          trials: N,
          spawnMsPerTrial: med(spawnMs) / N,
          tuneMsPerTrial: med(tuneMs) / N,
          overheadMsPerTrial: (med(tuneMs) - med(spawnMs)) / N,
        };
        rows.push(row);
        process.stderr.write(
          `${label.padEnd(10)} parallel ${parallel}: spawn ${row.spawnMsPerTrial.toFixed(2)} ms/trial, tune ${row.tuneMsPerTrial.toFixed(2)} ms/trial, overhead ${row.overheadMsPerTrial.toFixed(2)} ms/trial\n`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
  const out = { date: new Date().toISOString(), node: process.version, trials: N, rows };
  writeFileSync(new URL('./results/runner.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(rows, null, 2));
}

await main();
