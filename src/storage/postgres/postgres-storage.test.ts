import { afterAll, describe, it } from 'vitest';
import { dropSchema, newSchemaName, pgSchemaUrl } from '../../../test/helpers/pg.js';
import { runStorageConformance } from '../conformance.js';
import { openStorage } from '../open-storage.js';
import type { Storage } from '../storage.js';

const schemas: string[] = [];
const urls = new WeakMap<Storage, string>();
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

runStorageConformance(
  { describe, it },
  {
    name: 'postgres',
    changesMayRepeat: true,
    open: async () => {
      const schema = newSchemaName('conf');
      schemas.push(schema);
      const url = pgSchemaUrl(schema);
      const s = await openStorage(url);
      urls.set(s, url);
      return s;
    },
    reopen: async (s) => {
      const url = urls.get(s) as string;
      await s.close();
      return openStorage(url);
    },
  },
);

describe('postgres: a start with init', () => {
  it('leaves its connection synchronous: the claim that skipped the flush wait changes no later write', async () => {
    const { expect } = await import('vitest');
    const { PostgresDriver } = await import('./postgres-driver.js');
    const { SqlStorage } = await import('../sql/sql-storage.js');
    const { floatDistribution } = await import('../../space/distributions.js');
    const schema = newSchemaName('flush');
    schemas.push(schema);
    // One connection: every statement below runs on the one the start used.
    const driver = new PostgresDriver(pgSchemaUrl(schema), { poolSize: 1 });
    await driver.init();
    const s = new SqlStorage(driver);
    try {
      const st = await s.createStudy({ studyName: 'flush', directions: ['minimize'] });
      const x = floatDistribution('x', 0, 1);
      for (const input of [{ maxTrials: 10 }, {}, { gridSize: 4 }]) {
        const t = await s.startTrial(st.studyId, { ...input, init: () => ({ params: [{ name: 'x', value: 0.5, distribution: x }] }) });
        expect(t).not.toBeNull();
        const setting = await driver.transaction('statement', (tx) => tx.all<{ synchronous_commit: string }>('SHOW synchronous_commit'));
        // An acknowledged tell must wait for its flush: the start's setting ended with its own statement.
        expect(setting[0]?.synchronous_commit).toBe('on');
        expect((await s.getTrial(t?.trialId as number)).params.x).toBe(0.5);
      }
    } finally {
      await s.close();
    }
  });
});
