/**
 * `dials tune` with a `pbt:` section, end to end with real processes: the
 * built CLI drives a population whose segments are runs of a Node command
 * that keeps its step counter and its lineage in its checkpoint. A run
 * completes with its lineage recorded and every checkpoint handed over (each
 * member's final checkpoint was trained by exactly the chain of segments the
 * storage records, across exploits); after `kill -9` of `dials tune` a rerun
 * ends exactly where an uninterrupted run ends; a failing command and
 * Ctrl-C stop the run and a rerun resumes it; config mistakes are refused
 * before anything is created.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { learnedSchedule, segmentsOf } from '../../src/pbt/records.js';
import { groupAlive } from '../../src/runner/kill-group.js';
import { checkLineage } from '../demos/pbt-lineage.js';
import { dials, json, ROOT, type RunningCli, startDials, trialsOf, waitFor } from './cli-harness.js';

const root = mkdtempSync(join(tmpdir(), 'dials-tune-pbt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const started: RunningCli[] = [];
const pidFiles: string[] = [];
afterEach(() => {
  for (const r of started.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const f of pidFiles.splice(0)) for (const p of pidsOf(f)) killGroup(p);
});

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {}
}

function pidsOf(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

/**
 * A member as a command. Its checkpoint holds the steps it has trained and
 * the trials that trained it; it refuses a checkpoint whose step counter is
 * not DIALS_STEP_START. x moves toward 1 at rate lr and a width-dependent
 * ceiling, so the score depends on both hyperparameters. While the file
 * `slow` exists each step takes 150 ms; while `fail` exists a segment
 * starting at step 4 exits 1.
 */
const MEMBER = `
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
const env = process.env;
appendFileSync('pids', process.pid + '\\n');
const p = JSON.parse(env.DIALS_PARAMS);
const start = Number(env.DIALS_STEP_START);
const end = Number(env.DIALS_STEP_END);
const ck = env.DIALS_CHECKPOINT_IN ? JSON.parse(readFileSync(env.DIALS_CHECKPOINT_IN, 'utf8')) : { steps: 0, x: 0, trail: [] };
if (ck.steps !== start) { console.error('checkpoint has ' + ck.steps + ' steps, DIALS_STEP_START is ' + start); process.exit(3); }
if (existsSync('fail') && start === 4) { console.error('failing on purpose'); process.exit(1); }
for (let s = start; s < end; s++) {
  if (existsSync('slow')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  ck.x += p.lr * (p.width / 4 - ck.x);
  console.log('dials: ' + JSON.stringify({ step: s + 1, score: ck.x }));
}
ck.steps = end;
ck.trail.push(Number(env.DIALS_TRIAL_NUMBER));
writeFileSync(env.DIALS_CHECKPOINT_OUT, JSON.stringify(ck));
console.log('dials: ' + JSON.stringify({ score: ck.x }));
`;

const RUN = { population: 4, readyEvery: 2, totalSteps: 8 } as const;

function config(study: string, extra = ''): string {
  return `study: ${study}
storage: sqlite:dials.db
direction: maximize
metric: score
command: [node, member.mjs]
space:
  lr:    { type: float, low: 0.01, high: 0.5, log: true }
  width: { type: categorical, choices: [2, 3, 4] }
pbt:
  population: ${RUN.population}
  ready_every: ${RUN.readyEvery}
  total_steps: ${RUN.totalSteps}
  quantile: 0.25
  mutable: [lr]
  seed: 11
parallel: 2
${extra}`;
}

function setup(body: string): { dir: string; cfg: string; db: string; pids: string } {
  const dir = mkdtempSync(join(root, 'case-'));
  writeFileSync(join(dir, 'member.mjs'), MEMBER);
  const cfg = join(dir, 'dials.yaml');
  writeFileSync(cfg, body);
  const pids = join(dir, 'pids');
  pidFiles.push(pids);
  return { dir, cfg, db: join(dir, 'dials.db'), pids };
}

function start(args: string[], cwd: string): RunningCli {
  const r = startDials(args, { cwd });
  started.push(r);
  return r;
}

/** Real processes on a shared 2-core machine: generous bounds, never a measure of speed. */
const SLOW = 240_000;

describe('dials tune with pbt', () => {
  it(
    'trains the population to the end: lineage recorded, every checkpoint handed over, fixed parameters travel with it',
    async () => {
      const { dir, cfg, db } = setup(config('pbt-basic', 'enqueue:\n  - { lr: 0.5, width: 4 }\n'));
      const summary = json(await dials(['tune', cfg, '--progress', 'lines', '--json'], { cwd: dir }));
      expect(summary.kind).toBe('pbt');
      expect(summary.stoppedBy).toBe('done');
      expect(summary.ran).toEqual({ complete: 16, fail: 0 });
      expect(summary.members).toHaveLength(RUN.population);

      const trials = await trialsOf(`sqlite:${db}`, 'pbt-basic');
      const segments = segmentsOf(trials);
      expect(segments).toHaveLength(16);
      checkLineage(segments, RUN.population, RUN.readyEvery, RUN.totalSteps, true, ['lr']);
      expect(segments.some((s) => s.exploit !== null)).toBe(true);
      // enqueue: the first member's starting hyperparameters.
      expect(segments.find((s) => s.member === 0 && s.generation === 0)?.params).toEqual({ lr: 0.5, width: 4 });
      // The score of a segment is the command's final result line.
      for (const s of segments) {
        const t = trials.find((x) => x.number === s.trialNumber);
        expect(t?.intermediateValues.map((v) => v.step)).toEqual([s.start + 1, s.end]);
        expect(t?.value).toBe(t?.intermediateValues.at(-1)?.values[0]);
      }
      // Each segment keeps the command's output, as a normal trial does (dials logs).
      expect(String(trials[0]?.systemAttrs['dials:stdout'])).toContain('dials: {"step":1');

      for (const m of summary.members as { member: number; trialNumber: number; checkpoint: string; score: number; step: number }[]) {
        expect(m.step).toBe(RUN.totalSteps);
        const ck = JSON.parse(readFileSync(m.checkpoint, 'utf8')) as { steps: number; x: number; trail: number[] };
        // The member's weights were trained by exactly the chain of segments the lineage names, across exploits.
        expect(ck.steps).toBe(RUN.totalSteps);
        expect(ck.trail).toEqual(learnedSchedule(segments, m.trialNumber).map((e) => e.trialNumber));
        expect(ck.x).toBe(m.score);
      }
      expect(summary.best.score).toBe(Math.max(...summary.members.map((m: { score: number }) => m.score)));

      // Running it again finds the population trained: nothing new runs.
      const again = json(await dials(['tune', cfg, '--progress', 'none', '--json'], { cwd: dir }));
      expect(again.resumed).toBe(true);
      expect(again.ran).toEqual({ complete: 0, fail: 0 });
      expect(again.studyTrials).toBe(16);
      expect(again.best).toEqual(summary.best);

      // dials trials shows each segment's lineage: the member's own chain, or whom it copied after an exploit.
      const listed = json(await dials(['trials', '--study', 'pbt-basic', '--storage', `sqlite:${db}`, '--json'], { cwd: dir })) as {
        number: number;
        pbt: { member: number; parent: number | null; exploit: { fromTrial: number } | null };
      }[];
      expect(listed.map((t) => t.pbt.member)).toEqual(segments.map((s) => s.member));
      expect(listed.map((t) => t.pbt.exploit?.fromTrial ?? null)).toEqual(segments.map((s) => s.exploit?.fromTrial ?? null));
      const table = (await dials(['trials', '--study', 'pbt-basic', '--storage', `sqlite:${db}`], { cwd: dir })).stdout;
      expect(table.split('\n')[0]).toContain('PBT');
      const exploited = segments.find((s) => s.exploit !== null);
      expect(table).toContain(
        `m${exploited?.member} [${exploited?.start},${exploited?.end}] ← m${exploited?.exploit?.fromMember} #${exploited?.exploit?.fromTrial}`,
      );
      expect(table).toMatch(/m0 \[0,\d+\] new/);
    },
    SLOW,
  );

  it(
    'after kill -9 of dials tune, its commands die with it and a rerun runs the interrupted segments again as recorded and ends like an uninterrupted run',
    async () => {
      const reference = setup(config('pbt-crash'));
      const expected = json(await dials(['tune', reference.cfg, '--progress', 'none', '--json'], { cwd: reference.dir }));

      const { dir, cfg, db, pids } = setup(config('pbt-crash'));
      writeFileSync(join(dir, 'slow'), '');
      const first = start(['tune', cfg, '--progress', 'lines'], dir);
      // Kill while the second generation is running: some segments COMPLETE, two RUNNING.
      await waitFor(
        async () => {
          if (!existsSync(db) || pidsOf(pids).length < RUN.population + 2) return false;
          const segs = segmentsOf(await trialsOf(`sqlite:${db}`, 'pbt-crash').catch(() => []));
          return segs.filter((s) => s.state === 'COMPLETE').length >= RUN.population && segs.some((s) => s.state === 'RUNNING');
        },
        120_000,
        'the second generation to be running',
      );
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      // The watchdog takes the running commands down with it.
      for (const p of pidsOf(pids)) await waitFor(() => !groupAlive(p), 15_000, `segment group ${p} to be gone`);
      const killed = segmentsOf(await trialsOf(`sqlite:${db}`, 'pbt-crash')).filter((s) => s.state === 'RUNNING');
      expect(killed.length).toBeGreaterThan(0);

      unlinkSync(join(dir, 'slow'));
      const resumed = json(await dials(['tune', cfg, '--progress', 'none', '--json'], { cwd: dir }));
      expect(resumed.resumed).toBe(true);
      expect(resumed.stoppedBy).toBe('done');
      // Synchronous PBT with a seed is deterministic: the same population as without the crash.
      const strip = (ms: { member: number; score: number; params: unknown; step: number }[]) =>
        ms.map(({ member, score, params, step }) => ({ member, score, params, step }));
      expect(strip(resumed.members)).toEqual(strip(expected.members));

      const trials = await trialsOf(`sqlite:${db}`, 'pbt-crash');
      const segments = segmentsOf(trials);
      checkLineage(segments, RUN.population, RUN.readyEvery, RUN.totalSteps, true, ['lr']);
      for (const k of killed) {
        const t = trials.find((x) => x.number === k.trialNumber);
        expect(t?.state).toBe('FAIL');
        expect(t?.failReason).toMatch(/^interrupted/);
        const rerun = segments.find((s) => s.rerunOf === k.trialNumber);
        expect(rerun?.state).toBe('COMPLETE');
        expect(rerun?.params).toEqual(k.params);
        expect(rerun?.checkpointIn).toBe(k.checkpointIn);
        expect(rerun?.exploit).toEqual(k.exploit);
      }
      expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);
    },
    SLOW,
  );

  it(
    'a failing command stops the run with its reason; a second driver is refused; Ctrl-C stops the run as interrupted; each rerun resumes',
    async () => {
      const { dir, cfg, db, pids } = setup(config('pbt-fail', 'retries: 1\n'));
      writeFileSync(join(dir, 'fail'), '');
      const failed = await dials(['tune', cfg, '--progress', 'lines'], { cwd: dir });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/member \d+ \(trial (\d+), steps 4 to 6\) failed: exit code 1; its output: dials logs --study pbt-fail --trial \1/);
      expect(failed.stderr).toContain('retrying (1/1)');
      let trials = await trialsOf(`sqlite:${db}`, 'pbt-fail');
      const bad = trials.filter((t) => t.state === 'FAIL');
      expect(bad.length).toBeGreaterThan(0);
      for (const t of bad) expect(t.failReason).toBe('exit code 1');
      expect(String(bad[0]?.systemAttrs['dials:stderr'])).toContain('failing on purpose');
      expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);

      unlinkSync(join(dir, 'fail'));
      writeFileSync(join(dir, 'slow'), '');
      const run = start(['tune', cfg, '--progress', 'lines'], dir);
      const before = pidsOf(pids).length;
      await waitFor(() => pidsOf(pids).length >= before + 2, 60_000, 'segments to start');
      // One process drives a population: a second dials tune on the same study is refused.
      const second = await dials(['tune', cfg, '--progress', 'none'], { cwd: dir });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`another dials tune (pid ${run.child.pid} on`);
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stdout).toContain('stopped: interrupted');
      for (const p of pidsOf(pids)) await waitFor(() => !groupAlive(p), 15_000, `segment group ${p} to be gone`);
      trials = await trialsOf(`sqlite:${db}`, 'pbt-fail');
      expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);
      expect(trials.some((t) => t.failReason === 'interrupted')).toBe(true);

      unlinkSync(join(dir, 'slow'));
      const done = json(await dials(['tune', cfg, '--progress', 'none', '--json'], { cwd: dir }));
      expect(done.stoppedBy).toBe('done');
      const segments = segmentsOf(await trialsOf(`sqlite:${db}`, 'pbt-fail'));
      checkLineage(segments, RUN.population, RUN.readyEvery, RUN.totalSteps, true, ['lr']);
      // Each failed segment ran again with the hyperparameters and checkpoint it was recorded with.
      for (const f of segments.filter((s) => s.state === 'FAIL')) {
        const again = segments.filter((s) => s.rerunOf === f.trialNumber);
        expect(again.length, `reruns of trial ${f.trialNumber}`).toBe(1);
        expect(again[0]?.params).toEqual(f.params);
        expect(again[0]?.checkpointIn).toBe(f.checkpointIn);
      }
    },
    SLOW,
  );

  it(
    'examples/pbt-command trains its MLP population on the digits to a lower loss than any of its starting configurations reaches alone',
    async () => {
      const dir = mkdtempSync(join(root, 'example-'));
      const cfg = join(ROOT, 'examples', 'pbt-command', 'dials.yaml');
      const summary = json(await dials(['tune', cfg, '--storage', `sqlite:${join(dir, 'ex.db')}`, '--progress', 'none', '--json']));
      expect(summary.stoppedBy).toBe('done');
      expect(summary.ran).toEqual({ complete: 48, fail: 0 });
      const segments = segmentsOf(await trialsOf(`sqlite:${join(dir, 'ex.db')}`, 'digits-pbt'));
      checkLineage(segments, 6, 3, 24, true, ['lr', 'momentum']);
      // The script refuses a checkpoint whose epoch counter is not DIALS_STEP_START, so 48 complete segments mean 48 hand-overs.
      const ck = JSON.parse(readFileSync(summary.best.checkpoint, 'utf8')) as { epochs: number; history: { trial: number }[] };
      expect(ck.epochs).toBe(24);
      expect(ck.history.map((h) => h.trial)).toEqual(learnedSchedule(segments, summary.best.trialNumber).map((e) => e.trialNumber));
      // Validation cross-entropy after 24 epochs: each starting configuration trained alone for 24 epochs does worse
      // (for seed 1: 0.149 against 0.258 for the best of them).
      const alone = segments
        .filter((s) => s.generation === 0)
        .map((s) => {
          const out = execFileSync(process.execPath, [join(ROOT, 'examples', 'pbt-command', 'train.mjs')], {
            env: { PATH: process.env.PATH ?? '', DIALS_PARAMS: JSON.stringify(s.params), DIALS_STEP_START: '0', DIALS_STEP_END: '24', DIALS_SEED: '1' },
          });
          return (JSON.parse(out.toString().trim().split('\n').at(-1)?.slice('dials:'.length) ?? '{}') as { loss: number }).loss;
        });
      expect(alone).toHaveLength(6);
      expect(summary.best.score).toBeLessThan(Math.min(...alone));
    },
    SLOW,
  );

  it('refuses pbt with a pruner, a sampler, a trial budget or a bad pbt section, naming file, line and key; nothing is created', async () => {
    const { dir, cfg, db } = setup(
      `${config('pbt-bad', 'pruner: { type: median }\nsampler: { type: random }\ntrials: 10\n').replace('mutable: [lr]', 'mutable: [lr, depth]')}`,
    );
    const r = await dials(['tune', cfg], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(
      `dials: ${cfg}:17:1: pruner: with pbt, the population replaces its bad members itself (every pbt.ready_every steps the bottom quantile copies the top); remove pruner, or remove pbt to run independent trials with a pruner`,
    );
    expect(lines.some((l) => l.startsWith(`${cfg}:18:1: sampler: with pbt,`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${cfg}:19:1: trials: with pbt, the budget is pbt.population`))).toBe(true);
    expect(
      lines.some((l) => l.startsWith(`${cfg}:14:17:`) && l.includes('pbt.mutable[1]: "depth" is not a parameter of the space (parameters: lr, width)')),
    ).toBe(true);
    expect(existsSync(db)).toBe(false);

    // --trials and --time do not apply to a population; a PostgreSQL study needs pbt.artifacts.
    const ok = setup(config('pbt-flags'));
    const flag = await dials(['tune', ok.cfg, '--trials', '3'], { cwd: ok.dir });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('--trials and --time do not apply');
    const pg = await dials(['tune', ok.cfg, '--storage', 'postgresql://nobody@127.0.0.1:9/none'], { cwd: ok.dir });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain('pbt.artifacts: a study outside a SQLite file has no folder of its own for checkpoints');
    expect(existsSync(ok.db)).toBe(false);
  });

  it('reads the pbt section (snake_case or camelCase) and reports each mistake at its key', () => {
    const base = `study: s\ndirection: maximize\nmetric: acc\ncommand: node t.mjs\nspace:\n  lr: { type: float, low: 1.0e-4, high: 1, log: true }\n  width: { type: int, low: 4, high: 16 }\n`;
    const c = parseConfigText(
      `${base}pbt: { population: 4, readyEvery: 2, total_steps: 10, explore: { kind: pb2, resample_probability: 0.1 }, artifacts: ck }\n`,
      '/x/d.yaml',
    );
    expect(c.pbt).toEqual({
      population: 4,
      readyEvery: 2,
      totalSteps: 10,
      quantile: 0.25,
      explore: { kind: 'pb2', resampleProbability: 0.1 },
      mutable: undefined,
      synchronous: true,
      seed: undefined,
      artifacts: '/x/ck',
      keepCheckpoints: 2,
    });
    expect(
      parseConfigText(`${base}pbt: { population: 2, ready_every: 1, total_steps: 1, explore: { type: perturb, factors: [0.5, 2] } }\n`, 'd.yaml').pbt?.explore,
    ).toEqual({
      kind: 'perturb',
      factors: [0.5, 2],
    });
    const issues = (text: string): string[] => {
      try {
        parseConfigText(text, 'd.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).message.split('\n');
      }
      throw new Error('expected a ConfigError');
    };
    expect(issues(`${base}pbt:\n  population: 1\n  ready_evry: 2\n  total_steps: 10\n  quantile: 0.7\n  explore: { type: bad }\n`)).toEqual([
      'd.yaml:9:15: pbt.population: must be ≥ 2, got 1',
      'd.yaml:8:1: pbt.ready_every: is required (number)',
      'd.yaml:12:13: pbt.quantile: must be ≤ 0.5, got 0.7',
      'd.yaml:13:12: pbt.explore: must be perturb, pb2, { type: perturb, factors: [0.8, 1.2], resample_probability: 0.25 } or { type: pb2, resample_probability: 0.25 }, got a mapping',
      'd.yaml:10:3: pbt.ready_evry: unknown key "ready_evry"; allowed keys here: population, ready_every, total_steps, quantile, explore, mutable, synchronous, seed, artifacts, keep_checkpoints',
    ]);
    const pbt = 'pbt: { population: 2, ready_every: 1, total_steps: 4 }\n';
    expect(issues(`${base.replace('direction: maximize\nmetric: acc', 'directions: [maximize, minimize]\nmetrics: [acc, ms]')}${pbt}`)).toEqual([
      'd.yaml:2:1: directions: with pbt, members are ranked by one metric; give direction and metric, not 2 objectives',
    ]);
    expect(issues(`${base}  act: { type: categorical, choices: [a, b], when: { width: 4 } }\n${pbt}`)).toEqual([
      'd.yaml:8:46: space.act.when: with pbt, every member has every hyperparameter; conditional parameters (when) are not supported',
    ]);
    expect(issues(`${base}${pbt}enqueue: [{ lr: 0.1 }, { lr: 2 }]\n`)).toEqual([
      'd.yaml:9:30: enqueue[1].lr: 2 is outside the space of "lr"; a member cannot start there',
    ]);
    expect(issues(`${base}${pbt}enqueue: [{ lr: 0.1 }, { lr: 0.2 }, { lr: 0.3 }]\ntime: 1h\n`)).toEqual([
      'd.yaml:10:1: time: with pbt, a run ends when every member reaches pbt.total_steps; remove time (Ctrl-C stops a run, and running it again resumes it)',
      'd.yaml:9:1: enqueue: with pbt, enqueue gives the starting hyperparameters of the first members: at most pbt.population (2) entries, got 3',
    ]);
  });
});
