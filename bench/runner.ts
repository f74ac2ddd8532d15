/**
 * `npm run bench:runner`: Dials' own overhead per trial when `dials tune`
 * runs the command `true`, with the cost of spawning the process subtracted.
 *
 * For each storage (SQLite file, PostgreSQL schema) and parallelism P (1, 4):
 *  - spawn: N runs of `true` with the runner's spawn options (own process
 *    group, piped stdout/stderr), P at a time, with no storage: wall time T_spawn;
 *  - tune: the same N trials through tune() (ask under the study-wide budget,
 *    suggestions, spawn, protocol, tell with logs), P at a time: wall time T_tune.
 * Overhead per trial = (T_tune − T_spawn) / N, in wall time (storage latency
 * included) and in this process's CPU time (user + system: Dials' own work,
 * much less sensitive to the load of a shared machine). Medians of 3
 * interleaved repetitions; the load average is recorded with each row.
 * For scale, `core` is the same storage's cost of a bare ask → two
 * suggestions → tell loop (no process, no budget, no logs), measured in the
 * same run: on a loaded machine every figure inflates, their ratio much less.
 * Load-independent: the storage work per trial, counted at the driver —
 * commits that wait for their flush, those that do not, and round trips.
 * Every trial ends FAIL (`true` prints no result), which takes the same path
 * as a COMPLETE one. Writes bench/results/runner.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfigText } from '../src/config/load-config.js';
import { tune } from '../src/runner/tune.js';
import { PostgresDriver } from '../src/storage/postgres/postgres-driver.js';
import type { SqlExecutor, TransactionMode } from '../src/storage/sql/driver.js';
import { SqliteDriver } from '../src/storage/sqlite/sqlite-driver.js';
import { createStudy } from '../src/study/create-study.js';

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

interface Cost {
  wallMs: number;
  cpuMs: number;
}

/**
 * What the storage did, counted at the driver (independent of the machine's
 * load): transactions that write and wait for their durable commit (an fsync
 * on SQLite, a WAL flush on PostgreSQL), those that commit without waiting
 * (PostgreSQL `synchronous_commit` off: a start whose parameters' write, next,
 * waits for the flush of both), and, on PostgreSQL, round trips to the server
 * (statements plus BEGIN and COMMIT).
 */
const work = { commits: 0, unflushedCommits: 0, roundTrips: 0 };
for (const Driver of [SqliteDriver, PostgresDriver]) {
  const proto = Driver.prototype as { transaction: <T>(mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>) => Promise<T> };
  const original = proto.transaction;
  proto.transaction = function <T>(this: unknown, mode: TransactionMode, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (mode !== 'statement') work.roundTrips += 2;
    let unflushed = false;
    const counted = original.call(this, mode, (tx) =>
      fn({
        all: (sql, params) => {
          work.roundTrips++;
          unflushed ||= sql.includes("set_config('synchronous_commit', 'off'");
          return tx.all(sql, params);
        },
        run: (sql, params) => {
          work.roundTrips++;
          return tx.run(sql, params);
        },
      }),
    ) as Promise<T>;
    return counted.then((r) => {
      if (mode !== 'read') work[unflushed ? 'unflushedCommits' : 'commits']++;
      return r;
    });
  };
}

async function measure(fn: () => Promise<void>): Promise<Cost> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

function spawnOnly(n: number, parallel: number): Promise<Cost> {
  let left = n;
  return measure(async () => {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (left-- > 0) await spawnTrue();
      }),
    );
  });
}

type Work = typeof work;

async function tuneRun(storage: string, n: number, parallel: number): Promise<Cost & Work> {
  const dir = mkdtempSync(join(tmpdir(), 'dials-bench-runner-'));
  try {
    const text = `study: bench-${parallel}-${Date.now()}\ncommand: ['true']\nspace:\n  x: { type: float, low: 0, high: 1 }\n  y: { type: int, low: 0, high: 10 }\nsampler: { type: random, seed: 1 }\ntrials: ${n}\nparallel: ${parallel}\n`;
    const config = parseConfigText(text, join(dir, 'bench.yaml'));
    const before = { ...work };
    const cost = await measure(async () => {
      const summary = await tune({ config, storage, progress: 'none' });
      if (summary.ran.fail !== n) throw new Error(`expected ${n} trials, got ${JSON.stringify(summary.ran)}`);
    });
    // Per trial, with the run's fixed costs (opening the study, the final reads) spread over its trials.
    return {
      ...cost,
      commits: (work.commits - before.commits) / n,
      unflushedCommits: (work.unflushedCommits - before.unflushedCommits) / n,
      roundTrips: (work.roundTrips - before.roundTrips) / n,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The storage's own per-trial cost: ask, two suggestions, tell, in one process. */
async function coreLoop(storage: string, n: number): Promise<Cost> {
  const study = await createStudy({ studyName: `core-${Date.now()}`, storage });
  try {
    return await measure(async () => {
      for (let i = 0; i < n; i++) {
        const t = await study.ask();
        t.suggestFloat('x', 0, 1);
        t.suggestInt('y', 0, 10);
        await study.tell(t, { state: 'FAIL', reason: 'no result' });
      }
    });
  } finally {
    await study.close();
  }
}

interface Row {
  storage: string;
  parallel: number;
  trials: number;
  spawnMsPerTrial: number;
  tuneMsPerTrial: number;
  overheadMsPerTrial: number;
  spawnCpuMsPerTrial: number;
  tuneCpuMsPerTrial: number;
  overheadCpuMsPerTrial: number;
  coreMsPerTrial: number;
  coreCpuMsPerTrial: number;
  commitsPerTrial: number;
  unflushedCommitsPerTrial: number;
  roundTripsPerTrial: number;
  loadAverage: number;
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
        const spawnCost: Cost[] = [];
        const tuneCost: (Cost & Work)[] = [];
        const coreCost: Cost[] = [];
        for (let rep = 0; rep < 3; rep++) {
          spawnCost.push(await spawnOnly(N, parallel));
          tuneCost.push(await tuneRun(storage, N, parallel));
          coreCost.push(await coreLoop(storage, N));
        }
        const med = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
        const wall = (c: Cost[]) => med(c.map((x) => x.wallMs)) / N;
        const cpu = (c: Cost[]) => med(c.map((x) => x.cpuMs)) / N;
        const row: Row = {
          storage: label,
          parallel,
          trials: N,
          spawnMsPerTrial: wall(spawnCost),
          tuneMsPerTrial: wall(tuneCost),
          overheadMsPerTrial: wall(tuneCost) - wall(spawnCost),
          spawnCpuMsPerTrial: cpu(spawnCost),
          tuneCpuMsPerTrial: cpu(tuneCost),
          overheadCpuMsPerTrial: cpu(tuneCost) - cpu(spawnCost),
          coreMsPerTrial: wall(coreCost),
          coreCpuMsPerTrial: cpu(coreCost),
          commitsPerTrial: med(tuneCost.map((x) => x.commits)),
          unflushedCommitsPerTrial: med(tuneCost.map((x) => x.unflushedCommits)),
          roundTripsPerTrial: med(tuneCost.map((x) => x.roundTrips)),
          loadAverage: loadavg()[0] as number,
        };
        rows.push(row);
        process.stderr.write(
          `${label.padEnd(10)} parallel ${parallel}: wall spawn ${row.spawnMsPerTrial.toFixed(2)} tune ${row.tuneMsPerTrial.toFixed(2)} overhead ${row.overheadMsPerTrial.toFixed(2)} ms/trial; cpu spawn ${row.spawnCpuMsPerTrial.toFixed(2)} tune ${row.tuneCpuMsPerTrial.toFixed(2)} overhead ${row.overheadCpuMsPerTrial.toFixed(2)} ms/trial; core ask/tell ${row.coreMsPerTrial.toFixed(2)} ms (cpu ${row.coreCpuMsPerTrial.toFixed(2)}); ${row.commitsPerTrial.toFixed(2)} durable commits (+${row.unflushedCommitsPerTrial.toFixed(2)} unflushed) and ${row.roundTripsPerTrial.toFixed(2)} round trips per trial (load ${row.loadAverage.toFixed(1)})\n`,
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
