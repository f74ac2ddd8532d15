/**
 * What the sampler benchmarks (bench/samplers.ts, bench/samplers-mo.ts)
 * share: option parsing, the recorded sampler configuration, git context and
 * suggesting a problem's space entry.
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
