/**
 * The schema version this build of Dials reads and writes, and the errors for
 * any other. Migrations are never automatic: `dials storage upgrade` runs them.
 */
import { SchemaVersionError } from '../../errors.js';

/** 1: the first release; 2: the change log (getChanges). */
export const SCHEMA_VERSION = 2;

export function checkSchemaVersion(found: number, url: string): void {
  if (found < SCHEMA_VERSION) {
    throw new SchemaVersionError(
      'SCHEMA_TOO_OLD',
      `the storage at ${url} uses schema version ${found}, older than this Dials (version ${SCHEMA_VERSION}); back it up, then run \`dials storage upgrade --storage ${url}\``,
    );
  }
  if (found > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      'SCHEMA_TOO_NEW',
      `the storage at ${url} uses schema version ${found}, written by a newer Dials than this one (which reads version ${SCHEMA_VERSION}); upgrade dials (npm install dials@latest)`,
    );
  }
}
