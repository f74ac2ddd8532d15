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
