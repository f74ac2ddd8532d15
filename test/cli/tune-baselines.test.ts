/**
 * `dials tune` with `baselines:`: established baselines from the registry run
 * first (once per study, however many processes), and the summary states the
 * best trial's improvement over them; a bad baseline is a config error that
 * creates nothing.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_ATTR } from '../../src/baselines/baselines.js';
import { dials, json, trialsOf } from './cli-harness.js';

const root = mkdtempSync(join(tmpdir(), 'dials-tune-baselines-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(body: string): { dir: string; cfg: string; db: string } {
  const dir = mkdtempSync(join(root, 'case-'));
  const cfg = join(dir, 'dials.yaml');
  writeFileSync(cfg, body);
  return { dir, cfg, db: join(dir, 'dials.db') };
}

/** Loss of a pretend training run: best at learning_rate 0.03 with sgd; adam-default@1 (lr 1e-3) scores log10(30)² = 2.18. */
const COMMAND = `command: 'node -e "const p = JSON.parse(process.env.DIALS_PARAMS); console.log(\\"dials: \\" + JSON.stringify({ loss: Math.log10(p.learning_rate / 0.03) ** 2 + (p.optimizer === \\"adam\\" ? 0 : 0.1) }))"'`;
const SPACE = `space:
  learning_rate: { type: float, low: 1.0e-4, high: 1.0, log: true }
  optimizer: { type: categorical, choices: [adam, sgd] }
`;

const SLOW = 120_000;

describe('dials tune with baselines', () => {
  it(
    'runs the baselines first, once, and reports the improvement of the best trial over them',
    async () => {
      const { dir, cfg, db } = setup(
        `study: with-baselines\ndirection: minimize\nmetric: loss\n${COMMAND}\n${SPACE}baselines:\n  - { name: adam-default@1, rename: { lr: learning_rate } }\n  - { name: sgd-momentum@1, rename: { lr: learning_rate } }\nsampler: { type: tpe, seed: 3 }\ntrials: 12\n`,
      );
      const summary = json(await dials(['tune', cfg, '--storage', `sqlite:${db}`, '--progress', 'none', '--json'], { cwd: dir }));
      const trials = await trialsOf(`sqlite:${db}`, 'with-baselines');
      expect(trials).toHaveLength(12);
      // The baselines are trials 0 and 1, with the registry's values under the study's names.
      expect(trials[0]?.systemAttrs[BASELINE_ATTR]).toBe('adam-default@1');
      expect(trials[0]?.params).toEqual({ learning_rate: 0.001, optimizer: 'adam' });
      expect(trials[1]?.systemAttrs[BASELINE_ATTR]).toBe('sgd-momentum@1');
      expect(trials[1]?.params).toEqual({ learning_rate: 0.01, optimizer: 'sgd' });
      expect(trials.slice(2).every((t) => t.systemAttrs[BASELINE_ATTR] === undefined)).toBe(true);

      const done = trials.filter((t) => t.state === 'COMPLETE');
      const best = done.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
      const base = [trials[0], trials[1]].reduce((a, b) => ((b?.value as number) < (a?.value as number) ? b : a));
      expect(summary.baseline.baseline).toEqual({ ref: base?.systemAttrs[BASELINE_ATTR], number: base?.number, value: base?.value });
      expect(summary.baseline.best).toEqual({ number: best.number, value: best.value });
      expect(summary.baseline.absolute).toBeCloseTo((base?.value as number) - (best.value as number), 12);

      // A rerun with a larger budget does not enqueue the baselines again; the plain report states the improvement.
      const again = await dials(['tune', cfg, '--storage', `sqlite:${db}`, '--progress', 'none', '--trials', '14'], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect((await trialsOf(`sqlite:${db}`, 'with-baselines')).filter((t) => t.systemAttrs[BASELINE_ATTR] !== undefined)).toHaveLength(2);
      expect(again.stdout).toMatch(/improvement over baseline (adam-default|sgd-momentum)@1 \(trial [01], /);
    },
    SLOW,
  );

  it('a baseline that is unknown, or does not fit the space, is a config error naming the line, and nothing is created', async () => {
    const unknown = setup(`study: bad-baseline\ncommand: 'true'\n${SPACE}baselines:\n  - adam-defualt@1\n`);
    const r1 = await dials(['tune', unknown.cfg, '--storage', `sqlite:${unknown.db}`], { cwd: unknown.dir });
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toContain('dials.yaml:7:5: baselines[0]');
    expect(r1.stderr).toContain('no baseline named "adam-defualt"; known:');
    expect(existsSync(unknown.db)).toBe(false);

    // adam-default's lr is not one of the space's names, and nothing else is shared but the optimizer choice.
    const nofit = setup(`study: bad-fit\ncommand: 'true'\nspace:\n  x: { type: float, low: 0, high: 1 }\nbaselines: [adam-default@1]\n`);
    const r2 = await dials(['tune', nofit.cfg, '--storage', `sqlite:${nofit.db}`], { cwd: nofit.dir });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('shares no parameter with the space');
    expect(r2.stderr).toContain('rename');
    expect(existsSync(nofit.db)).toBe(false);

    const outOfRange = setup(
      `study: bad-range\ncommand: 'true'\nspace:\n  learning_rate: { type: float, low: 0.01, high: 1.0, log: true }\nbaselines:\n  - { name: adam-default@1, rename: { lr: learning_rate } }\n`,
    );
    const r3 = await dials(['tune', outOfRange.cfg, '--storage', `sqlite:${outOfRange.db}`], { cwd: outOfRange.dir });
    expect(r3.code).not.toBe(0);
    expect(r3.stderr).toMatch(/learning_rate|lr/);
    expect(r3.stderr).toContain('baselines');
    expect(existsSync(outOfRange.db)).toBe(false);
  }, 60_000);
});
