/** A PostgreSQL schema of its own for each test, dropped afterwards. */
import pg from 'pg';

export const PG_BASE_URL = process.env.DIALS_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export function pgSchemaUrl(schema: string): string {
  const u = new URL(PG_BASE_URL);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export function newSchemaName(prefix = 't'): string {
  return `dials_${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_BASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
