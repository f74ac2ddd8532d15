/** `dials dashboard`: serves the live dashboard of a storage until interrupted. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { startDashboard } from '../../dashboard/server/start.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';

type Opts = { storage?: string; storageFile?: string; host: string; port: string; token?: string; tokenFile?: string; insecure?: boolean };

function tokenOf(opts: Opts): string | null {
  if (opts.token) return opts.token;
  if (opts.tokenFile) {
    try {
      return readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new InvalidArgumentError(`cannot read --token-file ${opts.tokenFile}: ${(e as Error).message}`);
    }
  }
  return process.env.DIALS_DASHBOARD_TOKEN || null;
}

export function registerDashboard(program: Command): void {
  addStorageOptions(
    program
      .command('dashboard')
      .description('serve the live dashboard of a storage (read-only reads; never blocks a worker)')
      .option('--host <address>', 'address to listen on; any non-loopback address needs a token', '127.0.0.1')
      .option('--port <n>', 'port (0 picks a free one)', '8080')
      .option('--token <secret>', 'require this token (or set $DIALS_DASHBOARD_TOKEN, or use --token-file)')
      .option('--token-file <path>', 'read the token from this file (keeps it out of the process list)')
      .option('--insecure', 'allow a non-loopback --host without a token'),
  ).action(async (opts: Opts) => {
    if (!/^\d{1,5}$/.test(opts.port)) throw new InvalidArgumentError(`--port must be a number, got ${JSON.stringify(opts.port)}`);
    const d = await startDashboard({
      storage: storageUrl(opts),
      host: opts.host,
      port: Number(opts.port),
      token: tokenOf(opts),
      insecure: opts.insecure ?? false,
    });
    process.stdout.write(`dials dashboard: ${d.url}${tokenOf(opts) ? ' (token required)' : ''}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void d.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
