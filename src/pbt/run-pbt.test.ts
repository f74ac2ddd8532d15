/**
 * runPbt on the toy problem of the PBT paper (test/demos/toy-member.ts):
 * the exploit decisions are exactly the bottom quantile at each boundary,
 * the lineage in the storage is complete and consistent, runs are
 * reproducible by seed (synchronous runs whatever the concurrency), PB2
 * explores with its GP, and bad options fail with messages that say what to fix.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLineage } from '../../test/demos/pbt-lineage.js';
import { TOY_SPACE, toyMember, toyQ } from '../../test/demos/toy-member.js';
import { InvalidArgumentError } from '../errors.js';
import { createStudy } from '../study/create-study.js';
import type { Study } from '../study/study.js';
import { FileArtifactStore, MemoryArtifactStore } from './artifact-store.js';
import { pbtCommandEnv } from './command.js';
import { quantiles } from './quantiles.js';
import { learnedSchedule, type PbtSegmentInfo } from './records.js';
import { mixSeed, pbtSegments, runPbt } from './run-pbt.js';

const tmp = mkdtempSync(join(tmpdir(), 'dials-pbt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let studyCount = 0;
async function newStudy(storage = 'memory:'): Promise<Study> {
  return createStudy({ studyName: `pbt-${studyCount++}`, storage, direction: 'maximize' });
}

async function toyRun(opts: { seed: number; synchronous?: boolean; concurrency?: number; storage?: string; explore?: { kind: 'pb2' } }) {
  const study = await newStudy(opts.storage);
  const result = await runPbt({
    study,
    space: TOY_SPACE,
    member: toyMember(),
    population: 4,
    readyEvery: 4,
    totalSteps: 40,
    seed: opts.seed,
    synchronous: opts.synchronous ?? true,
    concurrency: opts.concurrency ?? 1,
    ...(opts.explore ? { explore: opts.explore } : {}),
  });
  return { study, result, segments: await pbtSegments(study) };
}

describe('runPbt on the PBT paper toy problem', () => {
  it('synchronous: the members that exploit at each boundary are exactly the bottom quantile, and copy a top one', async () => {
    const { result, segments } = await toyRun({ seed: 11, synchronous: true, concurrency: 2 });
    checkLineage(segments, 4, 4, 40);
    let exploits = 0;
    for (let b = 4; b < 40; b += 4) {
      const atB = segments.filter((s) => s.state === 'COMPLETE' && s.end === b).map((s) => ({ member: s.member, score: s.score as number }));
      expect(atB).toHaveLength(4);
      const { bottom, top } = quantiles(atB, 0.25, 'maximize');
      const next = segments.filter((s) => s.state === 'COMPLETE' && s.start === b);
      expect(next).toHaveLength(4);
      expect(next.filter((s) => s.exploit !== null).map((s) => s.member)).toEqual(bottom);
      for (const s of next) if (s.exploit) expect(top).toContain(s.exploit.fromMember);
      exploits += next.filter((s) => s.exploit !== null).length;
      for (const c of next.flatMap((s) => s.exploit?.changes ?? [])) {
        if (c.how === 'perturb') expect(c.to).toBeCloseTo(Math.min(1, (c.from as number) * (c.factor as number)), 12);
        else expect(c.how).toBe('resample');
      }
    }
    expect(exploits).toBe(9); // one of four members at each of the 9 boundaries
    // The result is what the storage says.
    for (const m of result.members) {
      const last = segments.find((s) => s.trialNumber === m.trialNumber) as PbtSegmentInfo;
      expect(last.score).toBe(m.score);
      expect(last.params).toEqual(m.params);
      expect(last.end).toBe(40);
    }
    // The learned schedule of the best member goes back to a fresh model at step 0, without gaps.
    const schedule = learnedSchedule(segments, result.best.trialNumber);
    expect(schedule[0]?.start).toBe(0);
    for (let i = 1; i < schedule.length; i++) expect(schedule[i]?.start).toBe(schedule[i - 1]?.end);
    expect(schedule.at(-1)?.end).toBe(40);
  });

  it('beats every fixed setting of its own initial population with the same steps', async () => {
    for (const seed of [1, 2, 3]) {
      const { result, segments } = await toyRun({ seed });
      checkLineage(segments, 4, 4, 40);
      const initial = segments.filter((s) => s.start === 0 && s.state === 'COMPLETE').map((s) => s.params as { h0: number; h1: number });
      let bestFixed = Number.NEGATIVE_INFINITY;
      for (const p of initial) {
        const theta = [0.9, 0.9];
        for (let i = 0; i < 40; i++) {
          theta[0] = (theta[0] as number) * (1 - 0.02 * p.h0);
          theta[1] = (theta[1] as number) * (1 - 0.02 * p.h1);
        }
        bestFixed = Math.max(bestFixed, toyQ(theta));
      }
      expect(result.best.score, `seed ${seed}`).toBeGreaterThan(bestFixed);
    }
  });

  it('derives distinct member streams from distinct run seeds (no (seed, member) swaps)', () => {
    const all = new Set<number>();
    for (let s = 0; s < 20; s++) for (let m = 0; m < 20; m++) all.add(mixSeed(s, m, 1));
    expect(all.size).toBe(400);
  });

  it('is reproducible by seed; a synchronous run does not depend on the concurrency', async () => {
    const strip = (segs: PbtSegmentInfo[]) => segs.map((s) => ({ m: s.member, start: s.start, params: s.params, score: s.score, exploit: s.exploit }));
    // Trial numbers depend on the order segments start in; everything else must not.
    const key = (segs: PbtSegmentInfo[]) =>
      strip(segs)
        .map((s) => ({ ...s, exploit: s.exploit ? { ...s.exploit, fromTrial: -1 } : null }))
        .sort((a, b) => a.start - b.start || a.m - b.m);
    const a = await toyRun({ seed: 5, synchronous: true, concurrency: 1 });
    const b = await toyRun({ seed: 5, synchronous: true, concurrency: 4 });
    expect(key(b.segments)).toEqual(key(a.segments));
    const c = await toyRun({ seed: 5, synchronous: false });
    const d = await toyRun({ seed: 5, synchronous: false });
    expect(strip(d.segments)).toEqual(strip(c.segments));
    const e = await toyRun({ seed: 6, synchronous: false });
    expect(strip(e.segments)).not.toEqual(strip(c.segments));
    // PB2 too: its GP sees, at step b, only what every member had done by b.
    const f = await toyRun({ seed: 5, concurrency: 1, explore: { kind: 'pb2' } });
    const g = await toyRun({ seed: 5, concurrency: 4, explore: { kind: 'pb2' } });
    expect(key(g.segments)).toEqual(key(f.segments));
  });

  it('asynchronous with 4 segments at once and uneven step times: every exploit copies a recorded checkpoint and the chains stay whole', async () => {
    const study = await newStudy();
    const base = toyMember();
    await runPbt({
      study,
      space: TOY_SPACE,
      population: 6,
      readyEvery: 3,
      totalSteps: 18,
      seed: 12,
      synchronous: false,
      concurrency: 4,
      member: {
        ...base,
        async step(m, p, ctx) {
          await new Promise((r) => setTimeout(r, (ctx.member % 3) * 2));
          return base.step(m, p, ctx);
        },
      },
    });
    const segments = await pbtSegments(study);
    checkLineage(segments, 6, 3, 18, false);
    expect(segments.some((s) => s.exploit !== null)).toBe(true);
  });

  it('PB2 picks explored values with its GP and keeps the lineage consistent', async () => {
    const { result, segments } = await toyRun({ seed: 4, synchronous: true, explore: { kind: 'pb2' } });
    checkLineage(segments, 4, 4, 40);
    const changes = segments.flatMap((s) => s.exploit?.changes ?? []);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((c) => c.how === 'pb2').length).toBeGreaterThan(0);
    expect(result.best.score).toBeGreaterThan(toyQ([0.9 * 0.98 ** 40, 0.9])); // better than h = (1, 0) throughout
  });

  it('keeps only the last checkpoints of each member, written atomically beside a SQLite study', async () => {
    const db = join(tmp, 'keep.db');
    const { study, result } = await toyRun({ seed: 2, storage: `sqlite:${db}` });
    const store = result.artifacts as FileArtifactStore;
    expect(store).toBeInstanceOf(FileArtifactStore);
    expect(store.location).toBe(`${db}.artifacts/study-${study.studyId}`);
    // A temporary file left by a writer killed mid-write is removed when the run is started again.
    writeFileSync(join(store.location, '.tmp-999999-abcdef'), 'half a checkpoint');
    await runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 4, totalSteps: 40 });
    const files = readdirSync(store.location);
    expect(files.some((f) => f.startsWith('.tmp-'))).toBe(false);
    expect(files.some((f) => f.includes('-copy-'))).toBe(false);
    for (let m = 0; m < 4; m++) expect(files.filter((f) => f.startsWith(`m${m}-`)).length).toBeLessThanOrEqual(2);
    expect(files).toContain(result.best.checkpoint);
    await study.close();
  });
});

describe('runPbt with a segment function (the command form)', () => {
  it('hands each segment its checkpoint files and step range through pbtCommandEnv', async () => {
    const study = await newStudy();
    const store = new FileArtifactStore(join(tmp, 'cmd-artifacts'));
    const envs: Record<string, string>[] = [];
    const result = await runPbt({
      study,
      space: TOY_SPACE,
      population: 3,
      readyEvery: 2,
      totalSteps: 6,
      seed: 3,
      artifacts: store,
      async segment(job, io) {
        const env = { ...pbtCommandEnv(job, io.artifacts) };
        envs.push(env);
        const params = JSON.parse(env.DIALS_PARAMS) as { h0: number; h1: number };
        const theta = env.DIALS_CHECKPOINT_IN === '' ? [0.9, 0.9] : (JSON.parse(readFileSync(env.DIALS_CHECKPOINT_IN, 'utf8')) as number[]);
        for (let s = Number(env.DIALS_STEP_START); s < Number(env.DIALS_STEP_END); s++) {
          theta[0] = (theta[0] as number) * (1 - 0.02 * params.h0);
          theta[1] = (theta[1] as number) * (1 - 0.02 * params.h1);
          await io.report(s + 1, toyQ(theta));
        }
        writeFileSync(env.DIALS_CHECKPOINT_OUT, JSON.stringify(theta));
      },
    });
    expect(envs).toHaveLength(9);
    expect(envs.filter((e) => e.DIALS_CHECKPOINT_IN === '')).toHaveLength(3);
    for (const e of envs) {
      expect(e.DIALS_CHECKPOINT_OUT.startsWith(store.location)).toBe(true);
      expect(Number(e.DIALS_STEP_END) - Number(e.DIALS_STEP_START)).toBe(2);
    }
    expect(result.best.step).toBe(6);
    expect(JSON.parse(readFileSync(store.filePath(result.best.checkpoint), 'utf8'))).toHaveLength(2);
  });

  it('refuses a store without files, and a segment that writes no checkpoint', async () => {
    const job = { member: 0, trialNumber: 0, params: {}, start: 0, end: 1, checkpointIn: null, checkpointOutTemp: 'x.part', seed: 1 };
    expect(() => pbtCommandEnv(job, new MemoryArtifactStore())).toThrow(/keeps none; pass artifacts/);
    const study = await newStudy();
    await expect(
      runPbt({ study, space: TOY_SPACE, population: 2, readyEvery: 1, totalSteps: 2, segment: async (j, io) => io.report(j.end, 1) }),
    ).rejects.toThrow(/without writing its checkpoint/);
    const failed = (await study.getTrials()).filter((t) => t.state === 'FAIL');
    expect(failed.length).toBeGreaterThan(0);
  });
});

describe('runPbt options', () => {
  it('fails early with messages that name the fix', async () => {
    const study = await newStudy();
    const base = { study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 10 };
    await expect(runPbt({ ...base, population: 1 })).rejects.toThrow(/population must be an integer ≥ 2/);
    await expect(runPbt({ ...base, readyEvery: 0 })).rejects.toThrow(/readyEvery must be an integer ≥ 1/);
    await expect(runPbt({ ...base, quantile: 0.7 })).rejects.toThrow(/quantile must be in \(0, 0.5\]/);
    await expect(runPbt({ ...base, explore: { kind: 'perturb', factors: [] } })).rejects.toThrow(/explore.factors/);
    await expect(runPbt({ ...base, space: {} })).rejects.toThrow(/at least one/);
    await expect(runPbt({ ...base, space: { lr: { kind: 'float', low: 1, high: 0 } } } as never)).rejects.toThrow(/low \(1\) must not exceed high/);
    await expect(runPbt({ ...base, initialParams: [{ h0: 3 }] })).rejects.toThrow(/initialParams\[0\].h0 = 3 is outside/);
    await expect(runPbt({ ...base, member: { ...toyMember(), save: undefined as never } })).rejects.toThrow(/member.save must be a function/);
    await expect(runPbt({ ...base, keepCheckpoints: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    const mo = await createStudy({ storage: 'memory:', directions: ['maximize', 'minimize'] });
    await expect(runPbt({ ...base, study: mo })).rejects.toThrow(/has 2 objectives/);
    const used = await newStudy();
    await used.optimize(() => 1, { nTrials: 1 });
    await expect(runPbt({ ...base, study: used })).rejects.toThrow(/PBT needs a study of its own/);
    const pg = { ...base, study: { ...study, storage: { ...study.storage, url: 'postgresql://u@h/db' } } as unknown as Study };
    await expect(runPbt(pg)).rejects.toThrow(/pass artifacts/);
  });

  it('refuses to resume a study with a different population or space', async () => {
    const { study } = await toyRun({ seed: 9 });
    await expect(runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 5, readyEvery: 4, totalSteps: 40, seed: 9 })).rejects.toThrow(
      /holds a PBT run with population = 4, not 5/,
    );
    // Same options: nothing left to do, the same result.
    const again = await runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 4, totalSteps: 40 });
    expect(again.resumed).toBe(true);
    expect(again.seed).toBe(9);
  });

  it('ranks a member whose score is NaN last, and it exploits a healthy one', async () => {
    const study = await newStudy();
    const member = toyMember();
    const result = await runPbt({
      study,
      space: TOY_SPACE,
      population: 4,
      readyEvery: 2,
      totalSteps: 6,
      seed: 1,
      synchronous: true,
      initialParams: [{ h0: 0.5 }],
      member: { ...member, step: async (m, p, ctx) => (ctx.member === 0 && ctx.step < 2 ? Number.NaN : member.step(m, p, ctx)) },
    });
    const segs = await pbtSegments(study);
    const first = segs.find((s) => s.member === 0 && s.start === 0);
    expect(first?.score).toBe(Number.NEGATIVE_INFINITY);
    expect(segs.find((s) => s.member === 0 && s.parent === first?.trialNumber)?.exploit).not.toBeNull();
    expect(Number.isFinite(result.members[0]?.score)).toBe(true);
  });
  it('explores only the mutable hyperparameters; the others travel with the copied checkpoint', async () => {
    const study = await newStudy();
    await runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 10, seed: 4, mutable: ['h0'] });
    const segs = await pbtSegments(study);
    expect(segs.some((s) => s.exploit !== null)).toBe(true);
    checkLineage(segs, 4, 2, 10, true, ['h0']);
    // Every member's h1 is one of the initial population's: never perturbed, only copied.
    const initial = new Set(segs.filter((s) => s.generation === 0).map((s) => s.params.h1));
    for (const s of segs) expect(initial.has(s.params.h1)).toBe(true);
    await expect(runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 10 })).rejects.toThrow(
      /holds a PBT run with mutable = \["h0"\], not \["h0","h1"\]/,
    );
    await expect(
      runPbt({ study: await newStudy(), space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 10, mutable: ['lr' as never] }),
    ).rejects.toThrow(/mutable names "lr", which is not in the space \(h0, h1\)/);
  });

  it('stops starting segments when its signal is aborted, and a later run resumes to the same end', async () => {
    const reference = await runPbt({ study: await newStudy(), space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 8, seed: 6 });
    const study = await newStudy();
    const controller = new AbortController();
    let segments = 0;
    const stopped = runPbt({
      study,
      space: TOY_SPACE,
      member: toyMember(),
      population: 4,
      readyEvery: 2,
      totalSteps: 8,
      seed: 6,
      signal: controller.signal,
      onSegment: () => {
        if (++segments === 5) controller.abort(new Error('stop here'));
      },
    });
    await expect(stopped).rejects.toThrow('stop here');
    expect((await pbtSegments(study)).length).toBe(5);
    const resumed = await runPbt({ study, space: TOY_SPACE, member: toyMember(), population: 4, readyEvery: 2, totalSteps: 8 });
    expect(resumed.resumed).toBe(true);
    expect(resumed.members.map((m) => [m.score, m.params])).toEqual(reference.members.map((m) => [m.score, m.params]));
  });
});
