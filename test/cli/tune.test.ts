/**
 * `dials tune` end to end, with real child processes, real SQLite files and
 * the real PostgreSQL server: the study-wide budget across processes, B1
 * (worker SIGKILLed), B2 (worker SIGSTOPped past grace), B10 (SIGINT,
 * SIGTERM, double Ctrl-C), resume, logs and exports.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { groupAlive } from '../../src/runner/kill-group.js';
import { loadStudy } from '../../src/study/create-study.js';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../helpers/pg.js';
import { dials, json, ok, pidAlive, type RunningCli, startDials, trialsOf, waitFor } from './cli-harness.js';

const root = mkdtempSync(join(tmpdir(), 'dials-tune-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const started: RunningCli[] = [];
const pidFiles: string[] = [];
afterEach(() => {
  for (const r of started.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const f of pidFiles.splice(0)) {
    if (!existsSync(f)) continue;
    for (const p of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(-Number(p), 'SIGKILL');
      } catch {}
    }
  }
});

function setup(body: string): { dir: string; cfg: string; db: string; pids: string } {
  const dir = mkdtempSync(join(root, 'case-'));
  const cfg = join(dir, 'dials.yaml');
  const pids = join(dir, 'pids');
  pidFiles.push(pids);
  writeFileSync(cfg, body);
  return { dir, cfg, db: join(dir, 'dials.db'), pids };
}

/** A trial command: records its pid, hangs while the file `hang` exists, then reports x². */
const HANGING = `command: 'echo $$ >> pids; if [ -e hang ]; then sleep 30; fi; echo "dials: {\\"step\\": 0, \\"value\\": 9}"; echo "dials: {\\"value\\": {x}}"'`;
const SPACE = 'space:\n  x: { type: float, low: 0, high: 10 }\n  y: { type: categorical, choices: [a, b] }\n';

function start(args: string[], cwd: string, env: Record<string, string> = {}): RunningCli {
  const r = startDials(args, { cwd, env });
  started.push(r);
  return r;
}

/** The group's members as "pid state comm", for a failure message. */
function groupMembers(pgid: number): string {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) out.push(`${name} ${f[0]} ppid ${f[1]} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
    } catch {}
  }
  return out.join(', ') || 'none';
}

function pidsOf(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

/** Real processes on a shared 2-core machine: generous bounds, never a measure of speed. */
const SLOW = 240_000;

describe('dials tune', () => {
  it(
    'runs a study; trials, best, logs and export show it; a rerun resumes up to the budget',
    async () => {
      const { dir, cfg, db } = setup(
        `study: basic\nstorage: sqlite:dials.db\n${HANGING}\n${SPACE}sampler: { type: random, seed: 7 }\ntrials: 5\nparallel: 2\n`,
      );
      const r = await dials(['tune', cfg, '--progress', 'lines', '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const summary = json(r);
      expect(summary).toMatchObject({
        study: 'basic',
        storage: 'sqlite:dials.db',
        ran: { complete: 5, pruned: 0, fail: 0 },
        stoppedBy: 'budget',
        studyTrials: 5,
      });
      expect(r.stderr).toMatch(/dials: trial \d+ value=[\d.]+ · \d\/5 done · best value=/);
      const trials = await trialsOf(`sqlite:${db}`, 'basic');
      expect(trials.map((t) => t.state)).toEqual(Array(5).fill('COMPLETE'));
      for (const t of trials) {
        expect(t.value).toBeCloseTo(t.params.x as number, 12);
        expect(t.intermediateValues).toEqual([{ step: 0, fold: null, values: [9] }]);
      }
      const best = json(await dials(['best', '--study', 'basic', '--json'], { cwd: dir }));
      expect(best[0].values[0]).toBe(Math.min(...trials.map((t) => t.value as number)));
      const logs = await dials(['logs', '--study', 'basic', '--trial', '2', '--stream', 'stdout'], { cwd: dir });
      expect(logs.stdout).toBe(`dials: {"step": 0, "value": 9}\ndials: {"value": ${trials[2]?.params.x}}\n`);
      const exported = json(await dials(['export', '--study', 'basic', '--format', 'json'], { cwd: dir }));
      expect(exported.trials.length).toBe(5);
      const again = await dials(['tune', cfg, '--trials', '7', '--json', '--progress', 'none'], { cwd: dir });
      expect(json(again)).toMatchObject({ ran: { complete: 2 }, studyTrials: 7 });
    },
    SLOW,
  );

  for (const backend of ['sqlite', 'postgresql'] as const) {
    it(
      `two tune processes on one ${backend} study share a budget of 200 trials exactly`,
      async () => {
        const schema = newSchemaName('tune');
        const { dir, cfg } = setup(
          `study: shared\ncommand: ['sh', '-c', 'echo "dials: {\\"value\\": {x}}"']\n${SPACE}sampler: { type: random, seed: 1 }\ntrials: 200\nparallel: 3\n`,
        );
        const storage = backend === 'sqlite' ? `sqlite:${join(dir, 'shared.db')}` : pgSchemaUrl(schema);
        try {
          // The study exists first so both workers load the same one.
          ok(await dials(['create-study', '--study', 'shared', '--storage', storage], { cwd: dir }));
          const a = start(['tune', cfg, '--storage', storage, '--json', '--progress', 'none'], dir);
          const b = start(['tune', cfg, '--storage', storage, '--json', '--progress', 'none'], dir);
          const [ra, rb] = await Promise.all([a.done, b.done]);
          expect(ra.code, ra.stderr).toBe(0);
          expect(rb.code, rb.stderr).toBe(0);
          const sa = json(ra);
          const sb = json(rb);
          expect(sa.ran.complete + sb.ran.complete).toBe(200);
          const trials = await trialsOf(storage, 'shared');
          expect(trials.length).toBe(200);
          expect(new Set(trials.map((t) => t.number)).size).toBe(200);
          expect(Math.max(...trials.map((t) => t.number))).toBe(199);
          expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
        } finally {
          if (backend === 'postgresql') await dropSchema(schema);
        }
      },
      SLOW,
    );
  }

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(
      `B10: ${sig} stops the children, fails their trials as interrupted, leaves nothing RUNNING and exits ${code}; a rerun resumes`,
      async () => {
        const { dir, cfg, db, pids } = setup(`study: stop\nstorage: sqlite:dials.db\n${HANGING}\n${SPACE}trials: 4\nparallel: 2\nkill_grace: 10s\n`);
        writeFileSync(join(dir, 'hang'), '');
        const run = start(['tune', cfg, '--progress', 'lines'], dir);
        await waitFor(() => pidsOf(pids).length === 2, 60_000, 'two trials to start');
        run.child.kill(sig);
        const r = await run.done;
        expect(r.code).toBe(code);
        expect(r.stderr).toMatch(/interrupted: stopping 2 running trial/);
        const trials = await trialsOf(`sqlite:${db}`, 'stop');
        expect(trials.map((t) => [t.state, t.failReason])).toEqual([
          ['FAIL', 'interrupted'],
          ['FAIL', 'interrupted'],
        ]);
        for (const p of pidsOf(pids)) await waitFor(() => !groupAlive(p), 10_000, `trial group ${p} to be gone`);
        unlinkSync(join(dir, 'hang'));
        const again = await dials(['tune', cfg, '--json', '--progress', 'none'], { cwd: dir });
        expect(json(again)).toMatchObject({ ran: { complete: 4 }, studyTrials: 6 });
      },
      SLOW,
    );
  }

  it(
    'B10: a double Ctrl-C kills children that ignore SIGTERM at once',
    async () => {
      const { dir, cfg, db, pids } = setup(
        `study: double\nstorage: sqlite:dials.db\ncommand: "trap '' TERM; echo $$ >> pids; sleep 30"\n${SPACE}trials: 2\nparallel: 2\nkill_grace: 60s\n`,
      );
      const run = start(['tune', cfg, '--progress', 'lines'], dir);
      await waitFor(() => pidsOf(pids).length === 2, 60_000, 'two trials to start');
      run.child.kill('SIGINT');
      await waitFor(() => run.stderr().includes('Ctrl-C again'), 15_000, 'the first interrupt to be noted');
      await new Promise((r) => setTimeout(r, 300));
      expect(run.child.exitCode).toBe(null);
      for (const p of pidsOf(pids)) expect(pidAlive(p)).toBe(true);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(130);
      for (const p of pidsOf(pids)) await waitFor(() => !groupAlive(p), 10_000, `trial group ${p} to be gone`);
      expect((await trialsOf(`sqlite:${db}`, 'double')).map((t) => t.failReason)).toEqual(['interrupted', 'interrupted']);
    },
    SLOW,
  );

  it(
    'B1: a worker killed with SIGKILL leaves no orphan; its trial is reaped, retried once with the same parameters',
    async () => {
      const { dir, cfg, db, pids } = setup(
        `study: b1\nstorage: sqlite:dials.db\n${HANGING}\n${SPACE}trials: 1\nretries: 1\nkill_grace: 500ms\nheartbeat: { interval: 200ms, grace: 1s }\n`,
      );
      writeFileSync(join(dir, 'hang'), '');
      const run = start(['tune', cfg, '--progress', 'none'], dir);
      await waitFor(() => pidsOf(pids).length === 1, 60_000, 'the trial to start');
      const child = pidsOf(pids)[0] as number;
      run.child.kill('SIGKILL');
      await run.done;
      // The watchdog takes the trial's process group down with its worker.
      await waitFor(() => !groupAlive(child), 30_000, 'the orphaned trial group to be killed').catch((e) => {
        throw new Error(`${(e as Error).message}; group ${child}: ${groupMembers(child)}`);
      });
      const observer = await loadStudy({ studyName: 'b1', storage: `sqlite:${db}` });
      try {
        // Liveness, not speed: the grace is 1 s; the bound only keeps a broken reaper from hanging the test.
        await waitFor(async () => (await observer.reapStaleTrials()).length === 1, 15_000, 'the reaper to fail the trial');
        const [t0, t1] = await observer.getTrials();
        expect([t0?.state, t0?.failReason, t1?.state, t1?.retryOf]).toEqual(['FAIL', 'lease-expired', 'WAITING', 0]);
        expect(t1?.fixedParams).toEqual(t0?.params);
      } finally {
        await observer.close();
      }
      unlinkSync(join(dir, 'hang'));
      const again = await dials(['tune', cfg, '--json', '--progress', 'none'], { cwd: dir });
      expect(json(again)).toMatchObject({ ran: { complete: 1 }, studyTrials: 2 });
      const trials = await trialsOf(`sqlite:${db}`, 'b1');
      expect(trials.map((t) => t.state)).toEqual(['FAIL', 'COMPLETE']);
      expect(trials[1]?.params).toEqual(trials[0]?.params);
    },
    SLOW,
  );

  it(
    'B2: a worker stopped past its grace finds its trial reaped, kills its child, and carries on',
    async () => {
      const { dir, cfg, db, pids } = setup(
        `study: b2\nstorage: sqlite:dials.db\n${HANGING}\n${SPACE}trials: 2\nkill_grace: 500ms\nheartbeat: { interval: 200ms, grace: 1s }\n`,
      );
      writeFileSync(join(dir, 'hang'), '');
      const run = start(['tune', cfg, '--progress', 'lines'], dir);
      await waitFor(() => pidsOf(pids).length === 1, 60_000, 'the trial to start');
      const child = pidsOf(pids)[0] as number;
      run.child.kill('SIGSTOP');
      const observer = await loadStudy({ studyName: 'b2', storage: `sqlite:${db}` });
      try {
        await waitFor(async () => (await observer.reapStaleTrials()).length === 1, 15_000, 'the reaper to fail the stopped worker’s trial');
      } finally {
        await observer.close();
      }
      unlinkSync(join(dir, 'hang'));
      run.child.kill('SIGCONT');
      await waitFor(() => !groupAlive(child), 10_000, 'the stale trial’s child to be killed');
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/trial 0: trial 0 was failed by the heartbeat reaper/);
      const trials = await trialsOf(`sqlite:${db}`, 'b2');
      expect(trials.map((t) => [t.state, t.failReason])).toEqual([
        ['FAIL', 'lease-expired'],
        ['COMPLETE', null],
        ['COMPLETE', null],
      ]);
    },
    SLOW,
  );

  it(
    'a pruner stops trials through the protocol: their process group is killed and they end PRUNED',
    async () => {
      const { dir, cfg, db, pids } = setup(
        `study: prune\nstorage: sqlite:dials.db\ncommand: 'echo $$ >> pids; echo "dials: {\\"step\\": 0, \\"value\\": {x}}"; sleep 30; echo "dials: {\\"value\\": {x}}"'\nspace:\n  x: { type: float, low: 0, high: 10 }\nsampler: { type: random, seed: 5 }\npruner: { type: threshold, upper: -1 }\ntrials: 3\nparallel: 3\nkill_grace: 300ms\n`,
      );
      const r = await dials(['tune', cfg, '--json', '--progress', 'none'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ ran: { complete: 0, pruned: 3, fail: 0 } });
      const trials = await trialsOf(`sqlite:${db}`, 'prune');
      for (const t of trials) {
        expect(t.state).toBe('PRUNED');
        expect(t.value).toBe(t.params.x);
        expect((t.systemAttrs['dials:run'] as { killed: string }).killed).toBe('pruned');
      }
      for (const p of pidsOf(pids)) await waitFor(() => !groupAlive(p), 10_000, `pruned trial group ${p} to be gone`);
    },
    SLOW,
  );

  it(
    'B8 and timeouts through tune: failures are recorded per trial with retries, and the run goes on',
    async () => {
      const { dir, cfg, db } = setup(
        `study: fail\nstorage: sqlite:dials.db\ncommand: 'case {y} in a) exit 3;; b) kill -SEGV $$;; esac'\nspace:\n  y: { type: categorical, choices: [a, b, c] }\nsampler: { type: grid }\nretries: 1\ntimeout: 1s\nkill_grace: 200ms\n`,
      );
      writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('c) ', '').replace('esac', 'c) sleep 30;; esac'));
      const r = await dials(['tune', cfg, '--json', '--progress', 'lines'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ ran: { complete: 0, fail: 3 }, stoppedBy: 'grid' });
      const byY = Object.fromEntries((await trialsOf(`sqlite:${db}`, 'fail')).map((t) => [t.params.y, t]));
      expect(byY.a?.failReason).toBe('exit code 3');
      expect(byY.b?.failReason).toBe('killed by signal SIGSEGV');
      expect(byY.c?.failReason).toBe('timeout');
      expect((byY.a?.systemAttrs['dials:run'] as { attempts: unknown[] } | undefined)?.attempts.length).toBe(2);
      expect(r.stderr).toMatch(/trial \d+ failed \(exit code 3\); retrying \(1\/1\)/);
    },
    SLOW,
  );
});
