/**
 * What the sampler benchmarks (bench/samplers.ts, bench/samplers-mo.ts)
 * share: option parsing, the recorded sampler configuration, git context and
 * suggesting a problem's space entry.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Sampler, Trial } from '../src/index.js';
import type { BenchParams, SpaceEntry } from './problems.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The factory's constructor call, as written in SAMPLERS (tsx may strip its spaces; they are put back). */
export function samplerConfig(factory: (seed: number) => Sampler, sampler: Sampler): string {
  const m = /=>\s*new\s+([\s\S]*)$/.exec(factory.toString().trim());
  if (!m) return `${sampler.name}({ seed })`;
  return (m[1] as string)
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\{\s*/g, '{ ')
    .replace(/\s*\}/g, ' }')
    .replace(/\{ \}/g, '{}')
    .replace(/\s*,\s*/g, ', ')
    .replace(/\s*:\s*/g, ': ')
    .trim();
}

export function parseSeeds(s: string): number[] {
  const out: number[] = [];
  for (const part of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--seeds: cannot parse ${JSON.stringify(part)}; use e.g. 0-9 or 0,3,7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (out.length === 0) throw new Error('--seeds: no seeds');
  return out;
}

export function pick<T>(all: Record<string, T>, list: string | undefined, what: string): string[] {
  const names = list
    ? list
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : Object.keys(all);
  const unknown = names.filter((n) => !Object.hasOwn(all, n));
  if (unknown.length > 0) throw new Error(`unknown ${what}: ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}`);
  return names;
}

export function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function suggest(trial: Trial, e: SpaceEntry): BenchParams[string] {
  switch (e.type) {
    case 'float':
      return trial.suggestFloat(e.name, e.low, e.high, { log: e.log });
    case 'int':
      return trial.suggestInt(e.name, e.low, e.high, { log: e.log, step: e.step });
    case 'categorical':
      return trial.suggestCategorical(e.name, e.choices);
  }
}

/** What one (sampler, problem, seed) run gives back. */
export interface BenchRun {
  readonly values: readonly unknown[];
  readonly samplerSeconds: readonly number[];
  readonly wallSeconds: number;
}

export interface BenchDriver<P extends { name: string }, R extends BenchRun> {
  /** The script, its defaults and help line. */
  readonly script: string;
  readonly defaultBudget: number;
  readonly defaultOut: string;
  readonly helpExample: string;
  readonly samplers: Record<string, (seed: number) => Sampler>;
  readonly problems: readonly P[];
  run(problem: P, sampler: Sampler, seed: number, budget: number): Promise<R>;
  /** Fields of the JSON line beyond the common ones (placed after `problem`, and after `values`). */
  readonly extraFields?: (problem: P, r: R) => { readonly afterProblem?: Record<string, unknown>; readonly afterValues?: Record<string, unknown> };
  /** The progress line's outcome part, e.g. "regret 1.2e-3". */
  outcome(problem: P, r: R): string;
}

/**
 * The command line both sampler benchmarks share: parses the options, runs
 * every (sampler, problem, seed), appends one JSON line per run as soon as it
 * ends, and reports progress on stderr.
 */
export async function runBenchCli<P extends { name: string }, R extends BenchRun>(d: BenchDriver<P, R>): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      samplers: { type: 'string' },
      problems: { type: 'string' },
      seeds: { type: 'string', default: '0-9' },
      budget: { type: 'string', default: String(d.defaultBudget) },
      out: { type: 'string', default: d.defaultOut },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (opts.help) {
    process.stderr.write(
      `npx tsx ${d.script} [--samplers ${d.helpExample}] [--problems a,b] [--seeds 0-9] [--budget ${d.defaultBudget}] [--out ${d.defaultOut}] [--append]\n` +
        `samplers: ${Object.keys(d.samplers).join(', ')}\n`,
    );
    return;
  }
  const byName = Object.fromEntries(d.problems.map((p) => [p.name, p]));
  const samplerNames = pick(d.samplers, opts.samplers, 'sampler');
  const problemNames = pick(byName, opts.problems, 'problem');
  const seeds = parseSeeds(opts.seeds);
  const budget = Number(opts.budget);
  if (!Number.isSafeInteger(budget) || budget < 1) throw new Error(`--budget must be a positive integer, got ${opts.budget}`);

  const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short', 'HEAD']) || null;
  // Other engineers edit src/ while benchmarks run: record whether the measured code differs from the commit.
  const srcDirty = git(['status', '--porcelain', '--', 'src']) !== '';

  const out = resolve(process.cwd(), opts.out);
  mkdirSync(dirname(out), { recursive: true });
  if (!opts.append) writeFileSync(out, '');

  const total = samplerNames.length * problemNames.length * seeds.length;
  let k = 0;
  const started = performance.now();
  process.stderr.write(`dials ${pkg.version} (${commit ?? 'no git'}${srcDirty ? ', src modified' : ''}): ${total} runs, budget ${budget} -> ${out}\n`);
  for (const samplerName of samplerNames) {
    const factory = d.samplers[samplerName] as (seed: number) => Sampler;
    for (const problemName of problemNames) {
      const problem = byName[problemName] as P;
      for (const seed of seeds) {
        k++;
        const sampler = factory(seed);
        const r = await d.run(problem, sampler, seed, budget);
        const extra = d.extraFields?.(problem, r) ?? {};
        const record = {
          library: 'dials',
          version: pkg.version,
          commit,
          src_dirty: srcDirty,
          sampler: samplerName,
          sampler_config: samplerConfig(factory, sampler),
          problem: problem.name,
          ...extra.afterProblem,
          seed,
          budget,
          values: r.values,
          ...extra.afterValues,
          sampler_seconds: r.samplerSeconds,
          wall_seconds: Math.round(r.wallSeconds * 1000) / 1000,
          storage: 'inmemory',
          node: process.version,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        };
        appendFileSync(out, `${JSON.stringify(record)}\n`);
        const msPerTrial = (1000 * r.samplerSeconds.reduce((a, b) => a + b, 0)) / budget;
        process.stderr.write(
          `[${k}/${total}] ${samplerName} ${problem.name} seed ${seed}: ${d.outcome(problem, r)}, ` +
            `${msPerTrial.toFixed(3)} ms/trial sampler, ${r.wallSeconds.toFixed(2)} s\n`,
        );
      }
    }
  }
  process.stderr.write(`done: ${total} runs in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${out}\n`);
}
