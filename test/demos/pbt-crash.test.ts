/**
 * A PBT run killed by SIGKILL in the middle of a generation, then started
 * again, ends exactly where an uninterrupted run with the same seed ends:
 * each member resumes from its last checkpoint, the segments the dead
 * process left RUNNING are closed as FAIL ('interrupted') and run again with
 * the same checkpoint and the same (perturbed) hyperparameters, and the
 * lineage stays complete. Also: an atomically written checkpoint is never
 * seen half-written, whenever its writer is killed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runPbt } from '../../src/pbt/run-pbt.js';
import { pbtSegments } from '../../src/pbt/run-pbt.js';
import { createStudy } from '../../src/study/create-study.js';
import { checkLineage } from './pbt-lineage.js';
import { killChildren, spawnTs } from './spawn-ts.js';
import { TOY_RUN, TOY_SPACE, toyMember } from './toy-member.js';

const tmp = mkdtempSync(join(tmpdir(), 'dials-pbt-crash-'));
afterEach(killChildren);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('PBT after kill -9', () => {
  it('resumes every member from its checkpoint with its perturbed hyperparameters and ends like an uninterrupted run', async () => {
    const seed = 20;
    const reference = await createStudy({ storage: 'memory:', direction: 'maximize' });
    const expected = await runPbt({ study: reference, space: TOY_SPACE, member: toyMember(), ...TOY_RUN, seed });

    const db = join(tmp, 'crash.db');
    const first = spawnTs('test/demos/workers/pbt-toy-worker.ts', [JSON.stringify({ db, seed, delayMs: 40 })]);
    // Kill in the middle of the third generation (steps 8 → 12), when every member is training.
    await first.waitFor(() => new Set(first.lines.filter((l) => l.step === 9).map((l) => l.member)).size === TOY_RUN.population, 30_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const study = await createStudy({ studyName: 'toy', storage: `sqlite:${db}`, direction: 'maximize', loadIfExists: true });
    const killed = (await pbtSegments(study)).filter((s) => s.state === 'RUNNING');
    expect(killed.length).toBeGreaterThan(0);
    await study.close();

    const second = spawnTs('test/demos/workers/pbt-toy-worker.ts', [JSON.stringify({ db, seed, delayMs: 0 })]);
    const exit = await second.exited;
    expect(exit.code, second.stderr()).toBe(0);
    const done = second.lines.find((l) => l.done === true) as { resumed: boolean; best: { score: number; params: unknown } };
    expect(done.resumed).toBe(true);
    // Nothing was re-decided differently: the same final population as the uninterrupted run.
    expect(done.best.score).toBe(expected.best.score);
    expect(done.best.params).toEqual(expected.best.params);

    const again = await createStudy({ studyName: 'toy', storage: `sqlite:${db}`, direction: 'maximize', loadIfExists: true });
    const segments = await pbtSegments(again);
    checkLineage(segments, TOY_RUN.population, TOY_RUN.readyEvery, TOY_RUN.totalSteps);
    const refSegments = await pbtSegments(reference);
    const finalOf = (segs: typeof segments) =>
      segs
        .filter((s) => s.state === 'COMPLETE' && s.end === TOY_RUN.totalSteps)
        .map((s) => ({ member: s.member, score: s.score, params: s.params }))
        .sort((a, b) => a.member - b.member);
    expect(finalOf(segments)).toEqual(finalOf(refSegments));

    // Each interrupted segment is FAIL and was run again as it was recorded.
    let exploitRerun = 0;
    for (const k of killed) {
      const t = segments.find((s) => s.trialNumber === k.trialNumber);
      expect(t?.state).toBe('FAIL');
      const failReason = (await again.getTrials()).find((x) => x.number === k.trialNumber)?.failReason;
      expect(failReason).toMatch(/^interrupted/);
      const rerun = segments.find((s) => s.rerunOf === k.trialNumber);
      expect(rerun, `a rerun of trial ${k.trialNumber}`).toBeDefined();
      expect(rerun?.state).toBe('COMPLETE');
      expect(rerun?.params).toEqual(k.params);
      expect(rerun?.start).toBe(k.start);
      expect(rerun?.checkpointIn).toBe(k.checkpointIn);
      expect(rerun?.exploit).toEqual(k.exploit);
      if (k.exploit !== null) exploitRerun++;
    }
    // The case Ray Tune got wrong (ray-project/ray#62173): an exploited member, restored, keeps its perturbed values.
    expect(exploitRerun).toBeGreaterThan(0);
    const files = readdirSync(`${db}.artifacts/study-${again.studyId}`);
    expect(files.filter((f) => f.startsWith('.tmp-') || f.endsWith('.part') || f.includes('-copy-'))).toEqual([]);
    await again.close();
  });
});

describe('writeFileAtomic', () => {
  it('leaves either a whole old version or a whole new one when its writer is killed', async () => {
    const path = join(tmp, 'atomic.bin');
    for (let round = 0; round < 2; round++) {
      const w = spawnTs('test/demos/workers/atomic-writer.ts', [path]);
      await w.waitFor(() => w.lines.length >= 2 + round, 20_000);
      w.child.kill('SIGKILL');
      await w.exited;
      expect(existsSync(path)).toBe(true);
      const bytes = readFileSync(path);
      expect(bytes.length).toBe(1 << 20);
      const v = bytes[0] as number;
      expect(bytes.every((b) => b === v)).toBe(true);
    }
  });
});
