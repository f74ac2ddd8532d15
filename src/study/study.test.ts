import { describe, expect, it } from 'vitest';
import {
  createStudy,
  deleteStudy,
  DuplicateStudyError,
  GridSampler,
  InvalidArgumentError,
  InvalidDistributionError,
  listStudies,
  loadStudy,
  MemoryStorage,
  RandomSampler,
  StudyNotFoundError,
  TrialPruned,
} from '../index.js';

const mem = () => new MemoryStorage();

describe('study: define-by-run optimize', () => {
  it('runs nTrials trials, numbered densely, and finds the best', async () => {
    const study = await createStudy({ storage: mem(), sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => (t.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 200 });
    const trials = await study.getTrials();
    expect(trials.map((t) => t.number)).toEqual([...Array(200).keys()]);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    const best = await study.bestTrial();
    expect(best.value).toBe(Math.min(...trials.map((t) => t.value as number)));
    expect(await study.bestValue()).toBeLessThan(0.05);
    expect((await study.bestParams()).x).toBeCloseTo(2, 0);
  });

  it('gives the same suggestions for the same seed, whatever the concurrency', async () => {
    const run = async (concurrency: number) => {
      const study = await createStudy({ storage: mem(), sampler: new RandomSampler({ seed: 42 }) });
      await study.optimize(
        async (t) => {
          await new Promise((r) => setTimeout(r, (t.number * 7) % 5));
          return t.suggestFloat('x', 0, 1) + t.suggestInt('n', 1, 5);
        },
        { nTrials: 30, concurrency },
      );
      return (await study.getTrials()).map((t) => [t.number, t.params.x, t.params.n]);
    };
    expect(await run(4)).toEqual(await run(1));
  });

  it('models conditional spaces by define-by-run', async () => {
    const study = await createStudy({ storage: mem(), sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        const kind = t.suggestCategorical('kind', ['svm', 'tree']);
        return kind === 'svm' ? t.suggestFloat('C', 1e-3, 1e3, { log: true }) : t.suggestInt('depth', 1, 8);
      },
      { nTrials: 40 },
    );
    for (const t of await study.getTrials()) {
      expect(Object.keys(t.params).sort()).toEqual(t.params.kind === 'svm' ? ['C', 'kind'] : ['depth', 'kind']);
    }
  });

  it('returns the same value when a name is suggested twice, and refuses a second distribution', async () => {
    const study = await createStudy({ storage: mem() });
    const trial = await study.ask();
    const a = trial.suggestFloat('x', 0, 1);
    expect(trial.suggestFloat('x', 0, 1)).toBe(a);
    expect(() => trial.suggestFloat('x', 0, 2)).toThrow(InvalidDistributionError);
    expect(() => trial.suggestFloat('x', 0, 2)).toThrow(/two|already suggested/);
  });

  it('marks TrialPruned as PRUNED with the last intermediate value', async () => {
    const study = await createStudy({ storage: mem() });
    await study.optimize(
      (t) => {
        for (let step = 0; step < 3; step++) t.report(10 - step, step);
        throw new TrialPruned();
      },
      { nTrials: 2 },
    );
    const trials = await study.getTrials();
    expect(trials.map((t) => [t.state, t.value])).toEqual([
      ['PRUNED', 8],
      ['PRUNED', 8],
    ]);
    expect(trials[0]?.intermediateValues.map((iv) => iv.values[0])).toEqual([10, 9, 8]);
  });

  it('fails the trial and rethrows when the objective throws, unless told to catch', async () => {
    const study = await createStudy({ storage: mem() });
    await expect(
      study.optimize(
        (t) => {
          if (t.number === 1) throw new RangeError('diverged');
          return 1;
        },
        { nTrials: 5 },
      ),
    ).rejects.toThrow('diverged');
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL']);
    expect(trials[1]?.failReason).toContain('RangeError: diverged');

    await study.optimize(
      (t) => {
        if (t.number % 2 === 0) throw new RangeError('odd');
        return 1;
      },
      { nTrials: 4, catch: [RangeError] },
    );
    expect((await study.getTrials()).length).toBe(6);
  });

  it('fails NaN and wrongly-sized results with a reason, and keeps ±Infinity', async () => {
    const study = await createStudy({ storage: mem() });
    const results = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, [1, 2]] as const;
    for (const r of results) {
      const t = await study.ask();
      await study.tell(t, r as number | number[]);
    }
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'COMPLETE', 'COMPLETE', 'FAIL']);
    expect(trials[0]?.failReason).toMatch(/NaN/);
    expect(trials[1]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(trials[2]?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(trials[3]?.failReason).toMatch(/2 value\(s\) but the study has 1/);
  });

  it('refuses a second tell and a write after tell', async () => {
    const study = await createStudy({ storage: mem() });
    const t = await study.ask();
    await study.tell(t, 1);
    await expect(study.tell(t, 2)).rejects.toThrow(/already been told/);
    expect(() => t.suggestFloat('x', 0, 1)).toThrow(/already been told/);
  });

  it('stops at timeoutMs', async () => {
    const study = await createStudy({ storage: mem() });
    const t0 = Date.now();
    await study.optimize(
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 0;
      },
      { timeoutMs: 150 },
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    const n = (await study.getTrials()).length;
    expect(n).toBeGreaterThan(2);
    expect(n).toBeLessThan(12);
  });

  it('runs exactly nTrials with concurrency', async () => {
    const study = await createStudy({ storage: mem() });
    let inFlight = 0;
    let maxInFlight = 0;
    await study.optimize(
      async (t) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 23, concurrency: 4 },
    );
    expect((await study.getTrials()).length).toBe(23);
    expect(maxInFlight).toBe(4);
  });
});

describe('study: ask/tell, enqueue, attributes, multi-objective', () => {
  it('runs enqueued trials first with their fixed params, once, and dedupes with skipIfExists', async () => {
    const study = await createStudy({ storage: mem() });
    await study.enqueueTrial({ x: 0.25, act: 'tanh' });
    expect((await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true })).created).toBe(true);
    expect((await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true })).created).toBe(false);
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + (t.suggestCategorical('act', ['relu', 'tanh']) === 'tanh' ? 0 : 1), { nTrials: 3 });
    const trials = await study.getTrials();
    expect(trials.length).toBe(3);
    expect(trials[0]?.params).toEqual(expect.objectContaining({ x: 0.25, act: 'tanh' }));
    expect(trials[1]?.params.x).toBe(0.5);
    expect((await study.enqueueTrial({ x: 0.25, act: 'tanh' }, { skipIfExists: true })).created).toBe(false);
  });

  it('fails a trial whose enqueued value lies outside the distribution, naming it', async () => {
    const study = await createStudy({ storage: mem() });
    await study.enqueueTrial({ x: 5 });
    await expect(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 })).rejects.toThrow(/"x".*fixed to 5/);
  });

  it('keeps user attributes on studies and trials', async () => {
    const study = await createStudy({ storage: mem() });
    await study.setUserAttr('dataset', { name: 'iris', rows: 150 });
    await study.optimize(
      (t) => {
        t.setUserAttr('curve', [1, 0.5, Number.POSITIVE_INFINITY]);
        return 0;
      },
      { nTrials: 1 },
    );
    expect((await study.userAttrs()).dataset).toEqual({ name: 'iris', rows: 150 });
    expect((await study.getTrials())[0]?.userAttrs.curve).toEqual([1, 0.5, Number.POSITIVE_INFINITY]);
    const t = await study.ask();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => t.setUserAttr('c', cyclic)).toThrow(/cycle/);
    expect(() => t.setUserAttr('b', 10n)).toThrow(/bigint/);
  });

  it('finds the Pareto front of a multi-objective study', async () => {
    const study = await createStudy({ storage: mem(), directions: ['minimize', 'maximize'] });
    const points = [
      [1, 1],
      [2, 3],
      [3, 3],
      [0, 0],
      [2, 2],
    ];
    for (const p of points) await study.tell(await study.ask(), p);
    expect((await study.bestTrials()).map((t) => t.number)).toEqual([0, 1, 3]);
    expect(() => study.direction).toThrow(/2 objectives/);
    await expect(study.bestTrial()).rejects.toThrow(/2 objectives/);
  });

  it('exports CSV that a spreadsheet cannot run, and JSON with exact infinities', async () => {
    const study = await createStudy({ storage: mem() });
    await study.optimize(
      (t) => {
        t.suggestCategorical('cmd', ['=HYPERLINK("x")', '+1', 'safe, "quoted"']);
        return t.number === 0 ? Number.NEGATIVE_INFINITY : -1.5;
      },
      { nTrials: 6 },
    );
    const csv = await study.exportTrials('csv');
    expect(csv.split('\n')[0]).toBe('number,state,value,datetime_start,datetime_complete,duration_ms,params_cmd,fail_reason');
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(csv).not.toMatch(/(^|,)\+1/m);
    expect(csv).toContain(',-inf,');
    expect(csv).toContain(',-1.5,');
    const json = JSON.parse(await study.exportTrials('json'));
    expect(json.trials[0].values).toEqual([{ '$dials.number': '-Infinity' }]);
  });
});

describe('study: lifecycle and bad input', () => {
  it('creates, loads, lists and deletes by name', async () => {
    const storage = mem();
    await createStudy({ studyName: 's1', storage, direction: 'maximize' });
    await expect(createStudy({ studyName: 's1', storage })).rejects.toThrow(DuplicateStudyError);
    await expect(createStudy({ studyName: 's1', storage, loadIfExists: true })).rejects.toThrow(/directions/);
    const again = await createStudy({ studyName: 's1', storage, direction: 'maximize', loadIfExists: true });
    expect(again.direction).toBe('maximize');
    expect((await loadStudy({ studyName: 's1', storage })).studyName).toBe('s1');
    await expect(loadStudy({ studyName: 'nope', storage })).rejects.toThrow(StudyNotFoundError);
    expect((await listStudies({ storage })).map((s) => s.studyName)).toEqual(['s1']);
    await deleteStudy({ studyName: 's1', storage });
    expect(await listStudies({ storage })).toEqual([]);
  });

  it.each([
    [{ direction: 'up' }, /'minimize' or 'maximize'/],
    [{ direction: 'minimize', directions: ['minimize'] }, /either direction or directions/],
    [{ directions: [] }, /non-empty/],
    [{ studyName: '' }, /non-empty/],
    [{ studyName: 'a\u0000b' }, /NUL/],
    [{ studyName: 'x'.repeat(600) }, /limit is 512/],
    [{ heartbeat: { intervalMs: 100, graceMs: 150 } }, /at least twice/],
    [{ maxRetries: 1 }, /needs heartbeat/],
    [{ maxRetries: -1, heartbeat: { intervalMs: 10, graceMs: 100 } }, /non-negative/],
  ])('rejects %j before creating anything', async (opts, message) => {
    const storage = mem();
    await expect(createStudy({ storage, ...(opts as object) })).rejects.toThrow(message);
    expect(await listStudies({ storage })).toEqual([]);
  });

  it.each([
    [(t: import('../index.js').Trial) => t.suggestFloat('x', 2, 1), /low \(2\) must not exceed high \(1\)/],
    [(t: import('../index.js').Trial) => t.suggestFloat('x', 0, 1, { log: true }), /log scale needs low > 0/],
    [(t: import('../index.js').Trial) => t.suggestFloat('x', 0, 1, { step: 0.3 }), /does not divide the range/],
    [(t: import('../index.js').Trial) => t.suggestFloat('x', Number.NaN, 1), /must be finite/],
    [(t: import('../index.js').Trial) => t.suggestFloat('x', 0, Number.POSITIVE_INFINITY), /must be finite/],
    [(t: import('../index.js').Trial) => t.suggestInt('n', 0, 2 ** 60), /within ±2\^53/],
    [(t: import('../index.js').Trial) => t.suggestInt('n', 0, 10, { step: 3 }), /does not divide the range/],
    [(t: import('../index.js').Trial) => t.suggestInt('n', 0.5, 10), /integers/],
    [(t: import('../index.js').Trial) => t.suggestCategorical('c', []), /must not be empty/],
    [(t: import('../index.js').Trial) => t.suggestCategorical('c', ['a', 'a']), /appears twice/],
    [(t: import('../index.js').Trial) => t.suggestCategorical('c', ['a', 1]), /mix/],
    [(t: import('../index.js').Trial) => t.suggestFloat('', 0, 1), /non-empty/],
  ])('gives a typed error naming the fix for an invalid distribution (%#)', async (suggest, message) => {
    const study = await createStudy({ storage: mem() });
    const t = await study.ask();
    expect(() => suggest(t)).toThrow(InvalidDistributionError);
    expect(() => suggest(t)).toThrow(message);
    expect(t.params).toEqual({});
  });

  it('validates optimize options and enqueued values', async () => {
    const study = await createStudy({ storage: mem() });
    await expect(study.optimize(() => 0, { nTrials: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(study.optimize(() => 0, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(study.enqueueTrial({ x: Number.NaN })).rejects.toThrow(/finite/);
    expect(await study.getTrials()).toEqual([]);
  });
});

describe('study: grid search', () => {
  it('runs every grid point exactly once, then stops by itself', async () => {
    const study = await createStudy({ storage: mem(), sampler: new GridSampler({ x: [1, 2, 3], act: ['a', 'b'] }, { seed: 5 }) });
    await study.optimize((t) => t.suggestInt('x', 0, 10) + (t.suggestCategorical('act', ['a', 'b']) === 'a' ? 0 : 10), { concurrency: 3 });
    const points = (await study.getTrials()).map((t) => `${t.params.x}${t.params.act}`).sort();
    expect(points).toEqual(['1a', '1b', '2a', '2b', '3a', '3b']);
    await expect(study.ask()).rejects.toThrow(/grid/);
  });

  it('names a parameter missing from the grid and refuses grids too large', async () => {
    const study = await createStudy({ storage: mem(), sampler: new GridSampler({ x: [1, 2] }) });
    await expect(study.optimize((t) => t.suggestFloat('y', 0, 1), { nTrials: 1 })).rejects.toThrow(/"y" is not in the grid/);
    const big = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, Array.from({ length: 10 }, (_, k) => k)]));
    expect(() => new GridSampler(big)).toThrow(/more than 10000000 points/);
    expect(() => new GridSampler({ x: [] })).toThrow(/must not be empty/);
  });
});

describe('study: leases', () => {
  it('carries on when the reaper took a slow trial over, and its late tell changes nothing', async () => {
    const storage = new MemoryStorage();
    let clock = 1_000_000;
    storage.now = () => clock;
    const study = await createStudy({ storage, heartbeat: { intervalMs: 60_000, graceMs: 120_000 }, maxRetries: 1 });
    let release: () => void = () => {};
    const objective = async (t: import('../index.js').Trial) => {
      const x = t.suggestFloat('x', 0, 1);
      if (t.number === 0) {
        await new Promise<void>((r) => {
          release = r;
        });
      }
      return x;
    };
    const run = study.optimize(objective, { nTrials: 2 });
    await new Promise((r) => setTimeout(r, 20));
    clock += 200_000; // the worker "froze" (SIGSTOP) for longer than graceMs
    expect(await study.reapStaleTrials()).toEqual([0]);
    release();
    await run;
    const trials = await study.getTrials();
    expect(trials[0]?.state).toBe('FAIL');
    expect(trials[0]?.failReason).toBe('lease-expired');
    // The retry (trial 1, same x) ran in place of a new sampled trial.
    expect(trials[1]?.retryOf).toBe(0);
    expect(trials[1]?.params.x).toBe(trials[0]?.params.x);
    expect(trials[1]?.state).toBe('COMPLETE');
    await study.close();
  });
});

describe('study: the history a sampler sees', () => {
  it('holds every trial once, in order, and every trial told before the ask, on SQLite with concurrent trials', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'dials-history-'));
    const told = new Map<number, number>();
    const problems: string[] = [];
    const sampler = new (class extends RandomSampler {
      override readonly usesHistory = true;
      override inferRelativeSearchSpace(study: import('../index.js').StudyView, trial: import('../index.js').TrialView) {
        const trials = study.getTrials();
        const numbers = trials.map((t) => t.number);
        if (numbers.some((n, i) => i > 0 && n <= (numbers[i - 1] as number))) problems.push(`trial ${trial.number}: numbers out of order`);
        for (const [n, v] of told) {
          const t = trials[n];
          if (t?.state !== 'COMPLETE' || t.value !== v) problems.push(`trial ${trial.number}: told trial ${n} missing or stale`);
        }
        return {};
      }
    })({ seed: 4 });
    const study = await createStudy({ storage: `sqlite:${join(dir, 'h.db')}`, sampler });
    try {
      await study.optimize(
        async (t) => {
          await new Promise((r) => setTimeout(r, (t.number * 13) % 7));
          return t.suggestFloat('x', 0, 1);
        },
        {
          nTrials: 120,
          concurrency: 5,
          callbacks: [
            (_s, frozen) => {
              told.set(frozen.number, frozen.value as number);
            },
          ],
        },
      );
      expect(problems).toEqual([]);
      expect(told.size).toBe(120);
    } finally {
      await study.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('study: sampler notes', () => {
  it("writes a sampler's notes to the study's system attributes when they change", async () => {
    let choice = 'gp';
    const sampler = new (class extends RandomSampler {
      systemAttrs() {
        return { 'auto:choice': { sampler: choice, why: 'test' } };
      }
    })({ seed: 1 });
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler });
    let writes = 0;
    const original = storage.setStudyAttr.bind(storage);
    storage.setStudyAttr = async (...args) => {
      writes++;
      return original(...args);
    };
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    expect((await study.systemAttrs())['auto:choice']).toEqual({ sampler: 'gp', why: 'test' });
    choice = 'tpe';
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    expect((await study.systemAttrs())['auto:choice']).toEqual({ sampler: 'tpe', why: 'test' });
    expect(writes).toBe(2);
  });
});

describe('study: constraints', () => {
  it('keeps constraint values on the trial for samplers to read', async () => {
    const { constraintsOf, isFeasible } = await import('../index.js');
    const study = await createStudy({ storage: new MemoryStorage() });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.setConstraints([x - 0.5, -1]);
        return x;
      },
      { nTrials: 20 },
    );
    const trials = await study.getTrials();
    for (const t of trials) {
      expect(constraintsOf(t)?.[0]).toBeCloseTo((t.params.x as number) - 0.5, 12);
      expect(isFeasible(t)).toBe((t.params.x as number) <= 0.5);
    }
    const t = await study.ask();
    expect(() => t.setConstraints([])).toThrow(/non-empty array/);
    expect(() => t.setConstraints([Number.NaN])).toThrow(/numbers/);
  });
});
