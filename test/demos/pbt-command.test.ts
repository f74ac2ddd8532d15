/**
 * The command form of PBT end to end: every segment is a real child process
 * that gets its member, hyperparameters, step range and checkpoint files
 * from pbtCommandEnv, prints its scores, and writes its checkpoint. The run
 * ends exactly where the same population trained in-process ends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pbtCommandEnv } from '../../src/pbt/command.js';
import { pbtSegments, runPbt } from '../../src/pbt/run-pbt.js';
import { createStudy } from '../../src/study/create-study.js';
import { checkLineage } from './pbt-lineage.js';
import { TOY_SPACE, toyMember } from './toy-member.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'dials-pbt-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RUN = { population: 3, readyEvery: 3, totalSteps: 9, seed: 8 } as const;

describe('PBT segments as commands', () => {
  it('run through DIALS_* variables and end like the in-process member', async () => {
    const study = await createStudy({ storage: `sqlite:${join(tmp, 'cmd.db')}`, direction: 'maximize' });
    let spawned = 0;
    const result = await runPbt({
      study,
      space: TOY_SPACE,
      ...RUN,
      segment: (job, io) =>
        new Promise<void>((resolvePromise, reject) => {
          spawned++;
          const child = spawn(process.execPath, [join(ROOT, 'test/demos/workers/toy-command.mjs')], {
            env: { PATH: process.env.PATH ?? '', ...pbtCommandEnv(job, io.artifacts) },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
          });
          child.stderr.setEncoding('utf8').on('data', (d: string) => {
            err += d;
          });
          child.on('error', reject);
          child.on('exit', async (code) => {
            try {
              if (code !== 0) throw new Error(`the command exited with ${code}: ${err}`);
              for (const line of out.trim().split('\n')) {
                const { step, value } = JSON.parse(line) as { step: number; value: number };
                await io.report(step, value);
              }
              resolvePromise();
            } catch (e) {
              reject(e);
            }
          });
        }),
    });
    expect(spawned).toBe(RUN.population * (RUN.totalSteps / RUN.readyEvery));
    const segments = await pbtSegments(study);
    checkLineage(segments, RUN.population, RUN.readyEvery, RUN.totalSteps);
    expect(segments.some((s) => s.exploit !== null)).toBe(true);

    const inProcess = await createStudy({ storage: 'memory:', direction: 'maximize' });
    const expected = await runPbt({ study: inProcess, space: TOY_SPACE, member: toyMember(), ...RUN });
    expect(result.members.map((m) => [m.score, m.params])).toEqual(expected.members.map((m) => [m.score, m.params]));
    await study.close();
  });
});
