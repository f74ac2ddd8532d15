/** The one place CLI errors become a message and an exit code. */
import { CommanderError } from 'commander';
import { DialsError } from '../errors.js';

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  if (e instanceof DialsError) {
    process.stderr.write(`dials: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`dials: unexpected error: ${msg}\n`);
  if (process.env.DIALS_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT_FAILURE;
}
