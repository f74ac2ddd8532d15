#!/usr/bin/env node
/** The `dials` command. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAutoml } from './commands/automl.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerImportance } from './commands/importance.js';
import { registerNas } from './commands/nas.js';
import { registerPredict } from './commands/predict.js';
import { registerQuickstart } from './commands/quickstart.js';
import { registerStorage } from './commands/storage.js';
import { registerStudies } from './commands/studies.js';
import { registerTrials } from './commands/trials.js';
import { registerTune } from './commands/tune.js';
import { reportError } from './errors.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command()
    .name('dials')
    .description('Hyperparameter optimization for TypeScript: studies, samplers and storage that never loses a trial.')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerQuickstart(program);
  registerTune(program);
  registerStudies(program);
  registerTrials(program);
  registerStorage(program);
  registerDashboard(program);
  registerImportance(program);
  registerAutoml(program);
  registerPredict(program);
  registerNas(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    process.exitCode = reportError(e);
  }
}

await main();
