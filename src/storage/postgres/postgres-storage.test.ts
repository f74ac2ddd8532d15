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
