/** The one place CLI errors become a message and an exit code. */
import { CommanderError } from 'commander';
import { DialsError } from '../errors.js';

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** Hides the password of any URL in a message (`scheme://user:secret@host` → `scheme://user:***@host`). */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/gi, '$1:***@');
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  if (e instanceof DialsError) {
    process.stderr.write(`dials: ${redactSecrets(e.message)}\n`);
    return EXIT_FAILURE;
  }
  const msg = redactSecrets(e instanceof Error ? e.message : String(e));
  process.stderr.write(`dials: unexpected error: ${msg}\n`);
  if (process.env.DIALS_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${redactSecrets(e.stack)}\n`);
  return EXIT_FAILURE;
}
