/**
 * Where the CLI finds its storage: --storage URL, else --storage-file PATH
 * (keeps a password out of `ps`), else $DIALS_STORAGE, else sqlite:dials.db.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';

export const DEFAULT_CLI_STORAGE = 'sqlite:dials.db';

export function addStorageOptions(cmd: Command): Command {
  return cmd
    .option('--storage <url>', `storage URL (memory:, sqlite:<path>, postgresql://…); default $DIALS_STORAGE or ${DEFAULT_CLI_STORAGE}`)
    .option('--storage-file <path>', 'read the storage URL from this file (keeps passwords out of the process list)');
}

export function storageUrl(opts: { storage?: string; storageFile?: string }): string {
  if (opts.storage) return opts.storage;
  if (opts.storageFile) {
    try {
      return readFileSync(opts.storageFile, 'utf8').trim();
    } catch (e) {
      throw new InvalidArgumentError(`cannot read --storage-file ${opts.storageFile}: ${(e as Error).message}`);
    }
  }
  return process.env.DIALS_STORAGE || DEFAULT_CLI_STORAGE;
}
