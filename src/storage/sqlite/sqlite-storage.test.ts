import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runStorageConformance } from '../conformance.js';
import { openStorage } from '../open-storage.js';
import type { Storage } from '../storage.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const paths = new WeakMap<Storage, string>();

runStorageConformance(
  { describe, it },
  {
    name: 'sqlite',
    open: async () => {
      const path = join(dir, `s${n++}.db`);
      const s = await openStorage(`sqlite:${path}`);
      paths.set(s, path);
      return s;
    },
    reopen: async (s) => {
      const path = paths.get(s) as string;
      await s.close();
      return openStorage(`sqlite:${path}`);
    },
  },
);

describe('sqlite: query count', () => {
  it('reads a study of 300 trials with 20 params and 10 reports each in a constant number of queries', async () => {
    const { SqliteDriver } = await import('./sqlite-driver.js');
    const { SqlStorage } = await import('../sql/sql-storage.js');
    const { floatDistribution } = await import('../../space/distributions.js');
    const { expect } = await import('vitest');
    const driver = new SqliteDriver(join(dir, 'count.db'));
    driver.init();
    let queries = 0;
    const counting = {
      dialect: driver.dialect,
      url: driver.url,
      close: () => driver.close(),
      transaction: <T>(mode: 'read' | 'write' | 'statement', fn: (tx: import('../sql/driver.js').SqlExecutor) => Promise<T>) =>
        driver.transaction(mode, (tx) =>
          fn({
            all: (sql, params) => {
              queries++;
              return tx.all(sql, params);
            },
            run: (sql, params) => {
              queries++;
              return tx.run(sql, params);
            },
          }),
        ),
    };
    const s = new SqlStorage(counting);
    const st = await s.createStudy({ studyName: 'big', directions: ['minimize'] });
    for (let i = 0; i < 300; i++) {
      const t = await s.startTrial(st.studyId, {});
      if (!t) throw new Error('no trial');
      await s.updateTrial(t.trialId, t.leaseId, {
        params: Array.from({ length: 20 }, (_, k) => ({ name: `p${k}`, value: k / 40, distribution: floatDistribution(`p${k}`, 0, 1) })),
        intermediate: Array.from({ length: 10 }, (_, step) => ({ step, fold: null, values: [step] })),
        attrs: [{ kind: 'user', key: 'a', json: '1' }],
        finish: { state: 'COMPLETE', values: [i], reason: null },
      });
    }
    queries = 0;
    const trials = await s.getTrials(st.studyId);
    expect(trials.length).toBe(300);
    expect(Object.keys(trials[299]?.params ?? {}).length).toBe(20);
    expect(trials[299]?.intermediateValues.length).toBe(10);
    expect(queries).toBe(5);
    queries = 0;
    await s.getTrials(st.studyId, { states: ['COMPLETE'] });
    expect(queries).toBe(5);
    await s.close();
  });
});
