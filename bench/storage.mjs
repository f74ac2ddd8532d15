// npm run bench:storage — trials per second of the storage layer: an empty
// objective (5 float suggestions, random sampler), in memory, on one SQLite
// file with 1 and 4 processes, and on PostgreSQL with 1 and 8 processes.
// Compared with Optuna's figures measured on the same kind of machine
// (../shared/bench/results/overhead-optuna.json). A benchmark, not a test.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createStudy, MemoryStorage, RandomSampler } from 'dials';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const PG = process.env.DIALS_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

function objective(t) {
  let s = 0;
  for (let i = 0; i < 5; i++) s += t.suggestFloat(`x${i}`, -5, 5) ** 2;
  return s;
}

async function memory(n) {
  const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 0 }) });
  await study.optimize(objective, { nTrials: Math.min(1000, n) }); // warm-up
  const t0 = performance.now();
  await study.optimize(objective, { nTrials: n });
  return { trials: n, seconds: (performance.now() - t0) / 1000 };
}

async function processes(url, procs, perProc) {
  const studyName = `bench-${procs}-${Date.now()}`;
  const study = await createStudy({ studyName, storage: url });
  await study.close();
  const startAt = Date.now() + 1500;
  const outs = await Promise.all(
    Array.from({ length: procs }, (_, i) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [join(here, 'storage-worker.mjs'), url, studyName, String(perProc), String(startAt), String(i)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
      }),
    ),
  );
  const end = Math.max(...outs.map((o) => o.end));
  return { trials: procs * perProc, seconds: (end - startAt) / 1000 };
}

async function pgSchema() {
  const schema = `dials_bench_${process.pid}`;
  const u = new URL(PG);
  u.searchParams.set('schema', schema);
  return { url: u.toString(), schema };
}

async function dropSchema(schema) {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

const optuna = JSON.parse(readFileSync(join(here, '..', '..', 'shared', 'bench', 'results', 'overhead-optuna.json'), 'utf8'));
const ref = (storage) => {
  const r = optuna.results.find((x) => x.sampler === 'random' && x.storage === storage);
  const cp = r?.checkpoints?.find((c) => c.n === 1000) ?? r?.checkpoints?.[0];
  return cp ? cp.mean_ms : null;
};

const rows = [];
const add = (name, r, optunaMs) => {
  const ms = (r.seconds * 1000) / r.trials;
  rows.push({ case: name, trials: r.trials, seconds: +r.seconds.toFixed(3), trialsPerSecond: Math.round(r.trials / r.seconds), msPerTrial: +ms.toFixed(4), optunaMsPerTrial: optunaMs, speedupVsOptuna: optunaMs ? +(optunaMs / ms).toFixed(1) : null });
};

add('memory, 1 process', await memory(quick ? 5000 : 50000), ref('inmemory'));
const dir = mkdtempSync(join(tmpdir(), 'dials-bench-'));
try {
  add('sqlite, 1 process', await processes(`sqlite:${join(dir, 'one.db')}`, 1, quick ? 300 : 3000), ref('sqlite'));
  add('sqlite, 4 processes', await processes(`sqlite:${join(dir, 'four.db')}`, 4, quick ? 150 : 1000), ref('sqlite'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const { url, schema } = await pgSchema();
try {
  add('postgresql, 1 process', await processes(url, 1, quick ? 300 : 3000), null);
  add('postgresql, 8 processes', await processes(url, 8, quick ? 100 : 600), null);
} finally {
  await dropSchema(schema);
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim();
} catch {}
const result = { benchmark: 'storage', commit, node: process.version, date: new Date().toISOString(), quick, rows };
console.table(rows);
if (!existsSync(join(here, 'results'))) mkdirSync(join(here, 'results'));
writeFileSync(join(here, 'results', `storage${quick ? '-quick' : ''}.json`), `${JSON.stringify(result, null, 1)}\n`);
