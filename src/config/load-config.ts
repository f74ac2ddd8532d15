/**
 * Reads and validates a `dials tune` config file (YAML or JSON). YAML is read
 * with the core schema only: no custom tags, no merge keys, duplicate keys
 * rejected, aliases capped. Every problem is reported with the file, line,
 * key and what is allowed, and nothing is created for an invalid file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { type Document, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { fitBaselineToSpace, getBaseline } from '../baselines/registry.js';
import { DialsError } from '../errors.js';
import type { PbtExploreOption } from '../pbt/run-pbt.js';
import {
  categoricalDistribution,
  contains,
  type Distribution,
  floatDistribution,
  intDistribution,
  type ParamValue,
  validateName,
} from '../space/distributions.js';
import type { StudyDirection } from '../trial/state.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { parseDuration } from './duration.js';
import { buildFromRegistry, camelCaseKeys, type ParamSpec, type RegistryContext, type RegistryKind, registryTypes, samplerSchema } from './registry.js';

/** Config files larger than this are refused before they are read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type CommandSpec = { readonly kind: 'shell'; readonly text: string } | { readonly kind: 'argv'; readonly argv: readonly string[] };

export interface TuneConfig {
  /** Absolute path of the file read. */
  readonly file: string;
  readonly study: string;
  readonly storage: string | undefined;
  readonly directions: readonly StudyDirection[];
  /** The result keys read from the command's report lines, one per objective. */
  readonly metrics: readonly string[];
  readonly command: CommandSpec;
  readonly space: readonly ParamSpec[];
  readonly sampler: Readonly<Record<string, unknown>> | undefined;
  readonly pruner: Readonly<Record<string, unknown>> | undefined;
  readonly trials: number | undefined;
  readonly timeMs: number | undefined;
  readonly parallel: number;
  readonly timeoutMs: number | undefined;
  readonly retries: number;
  readonly killGraceMs: number;
  readonly heartbeat: { readonly intervalMs: number; readonly graceMs: number };
  readonly env: Readonly<Record<string, string>>;
  /** Where commands run: `workdir` resolved against the config's folder, else that folder. */
  readonly workdir: string;
  /** Parameter sets to run first (each once per study); with `pbt`, the starting hyperparameters of the first members. */
  readonly enqueue: readonly Readonly<Record<string, ParamValue>>[];
  /** Established baselines (registry references) enqueued before anything else, once per study; reports state the best trial's improvement over them. */
  readonly baselines: readonly BaselineSpec[];
  /** Population-based training instead of independent trials (the `pbt:` section). */
  readonly pbt?: PbtConfig;
}

/** One entry of `baselines:`: a registry reference, and how its parameter names and values fit the space. */
export interface BaselineSpec {
  /** 'name@version' (or a name: its latest version) in the baseline registry (`listBaselines()`). */
  readonly ref: string;
  /** Study parameter name per baseline parameter name. */
  readonly rename?: Readonly<Record<string, string>>;
  /** A number outside its range: 'error' (default) or 'map' (clipped and snapped to the grid). */
  readonly outOfRange?: 'error' | 'map';
}

/** The `pbt:` section: `dials tune` trains a population of the command with runPbt. */
export interface PbtConfig {
  readonly population: number;
  /** Steps per segment (one run of the command). */
  readonly readyEvery: number;
  /** Steps each member trains in total. */
  readonly totalSteps: number;
  /** Share of the population in the bottom (exploits) and in the top (is copied). */
  readonly quantile: number;
  readonly explore: PbtExploreOption;
  /** Parameters explore may change; the others are drawn once per member and travel with its checkpoint. Undefined: all. */
  readonly mutable: readonly string[] | undefined;
  readonly synchronous: boolean;
  readonly seed: number | undefined;
  /** Checkpoint folder, absolute (resolved against the config's folder); undefined: beside the SQLite file. */
  readonly artifacts: string | undefined;
  readonly keepCheckpoints: number;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_HEARTBEAT = { intervalMs: 5000, graceMs: 60_000 } as const;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const when = z.record(z.string(), z.union([scalar, z.array(scalar).min(1)]));
const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== null, {
  message: 'expected a duration such as 90s, 10m, 2h or 1h30m (a bare number is seconds)',
});
const direction = z.enum(['minimize', 'maximize']);
const PARAM_SCHEMAS = {
  float: z.strictObject({
    type: z.literal('float'),
    low: z.number(),
    high: z.number(),
    log: z.boolean().optional(),
    step: z.number().optional(),
    when: when.optional(),
  }),
  int: z.strictObject({
    type: z.literal('int'),
    low: z.number(),
    high: z.number(),
    log: z.boolean().optional(),
    step: z.number().optional(),
    when: when.optional(),
  }),
  categorical: z.strictObject({ type: z.literal('categorical'), choices: z.array(scalar).min(1), when: when.optional() }),
} as const;
const TOP = z.strictObject({
  study: z.string().min(1),
  storage: z.string().min(1).optional(),
  direction: direction.optional(),
  directions: z.array(direction).min(1).optional(),
  metric: z.string().min(1).optional(),
  metrics: z.array(z.string().min(1)).min(1).optional(),
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  space: z.record(z.string(), z.record(z.string(), z.unknown())),
  sampler: z.record(z.string(), z.unknown()).optional(),
  pruner: z.record(z.string(), z.unknown()).optional(),
  trials: z.int().min(1).optional(),
  time: duration.optional(),
  parallel: z.int().min(1).max(1024).optional(),
  timeout: duration.optional(),
  retries: z.int().min(0).max(100).optional(),
  kill_grace: duration.optional(),
  heartbeat: z.strictObject({ interval: duration, grace: duration }).optional(),
  env: z.record(z.string(), z.string()).optional(),
  workdir: z.string().min(1).optional(),
  enqueue: z.array(z.record(z.string(), scalar)).optional(),
  baselines: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({
          name: z.string().min(1),
          rename: z.record(z.string(), z.string().min(1)).optional(),
          out_of_range: z.enum(['error', 'map']).optional(),
        }),
      ]),
    )
    .optional(),
  pbt: z.record(z.string(), z.unknown()).optional(),
});
const TOP_KEYS = Object.keys(TOP.shape);

type Top = z.infer<typeof TOP>;

/** What the keys with several accepted shapes accept. */
const UNION_HINTS: Readonly<Record<string, string>> = {
  command: 'must be a string (run by /bin/sh) or a list of strings (run directly; quote words YAML would read as numbers or booleans)',
  time: 'must be a duration such as 90s, 10m, 2h or 1h30m',
  timeout: 'must be a duration such as 90s, 10m, 2h or 1h30m',
  kill_grace: 'must be a duration such as 5s',
  enqueue: 'parameter values must be strings, numbers, booleans or null',
  baselines: 'each entry must be a baseline reference such as adam-default@1, or { name: adam-default@1, rename: { lr: learning_rate }, out_of_range: map }',
  pbt: 'must be perturb, pb2, { type: perturb, factors: [0.8, 1.2], resample_probability: 0.25 } or { type: pb2, resample_probability: 0.25 }',
};

/** Collects issues with their positions in the parsed document. */
class Issues {
  readonly list: ConfigIssue[] = [];
  constructor(
    private readonly doc: Document | null,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path`, or of the key itself when `atKey`. */
  private locate(path: readonly (string | number)[], atKey: boolean): { line: number; column: number } | null {
    if (this.doc === null) return null;
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      let offset: number | undefined;
      if (atKey || n < path.length) {
        const parent = prefix.length > 0 ? this.doc.getIn(prefix.slice(0, -1), true) : null;
        if (prefix.length > 0 && isMap(parent)) {
          const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(prefix[prefix.length - 1]));
          if (pair && isNode(pair.key)) offset = pair.key.range?.[0];
        }
      }
      if (offset === undefined) {
        const node = prefix.length === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
        if (isNode(node)) offset = node.range?.[0];
      }
      if (offset !== undefined) {
        const p = this.lines.linePos(offset);
        return { line: p.line, column: p.col };
      }
    }
    return null;
  }

  add(path: readonly (string | number)[], message: string, atKey = false): void {
    const pos = this.locate(path, atKey);
    this.list.push({ path, line: pos?.line ?? null, column: pos?.column ?? null, message });
  }

  addAt(line: number | null, column: number | null, message: string): void {
    this.list.push({ path: [], line, column, message });
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return `${v}`;
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof v;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return `${typeof v} ${show(v)}`;
}

/** Translates zod issues (at `base` within the file) into messages that say what is allowed. */
function addZodIssues(
  issues: Issues,
  error: z.ZodError,
  root: unknown,
  base: readonly (string | number)[],
  allowed: (path: readonly PropertyKey[]) => string[],
): void {
  for (const i of error.issues) {
    const path = [...base, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    const got = valueAt(root, path);
    switch (i.code) {
      case 'unrecognized_keys':
        for (const k of i.keys) issues.add([...path, k], `unknown key ${JSON.stringify(k)}; allowed keys here: ${allowed(i.path).join(', ')}`, true);
        break;
      case 'invalid_type':
        issues.add(
          path,
          got === undefined ? `is required (${i.expected})` : `expected ${i.expected === 'int' ? 'an integer' : i.expected}, got ${typeName(got)}`,
        );
        break;
      case 'invalid_value':
        issues.add(path, `must be ${i.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${show(got)}`);
        break;
      case 'too_small':
        issues.add(
          path,
          i.origin === 'array'
            ? `needs at least ${i.minimum} item(s)`
            : i.origin === 'string'
              ? 'must not be empty'
              : `must be ${i.inclusive ? '≥' : '>'} ${i.minimum}, got ${show(got)}`,
        );
        break;
      case 'too_big':
        issues.add(path, `must be ${i.inclusive ? '≤' : '<'} ${i.maximum}, got ${show(got)}`);
        break;
      case 'invalid_union': {
        const hint = UNION_HINTS[String(path[0])];
        issues.add(path, hint ? `${hint}, got ${typeName(got)}` : `${show(got)} is not allowed here (${i.message})`);
        break;
      }
      default:
        issues.add(path, i.message);
    }
  }
}

function parseParam(issues: Issues, root: unknown, name: string, raw: Record<string, unknown>): ParamSpec | null {
  const path = ['space', name];
  const type = raw.type;
  if (type !== 'float' && type !== 'int' && type !== 'categorical') {
    issues.add([...path, 'type'], `must be float, int or categorical, got ${show(type)}`);
    return null;
  }
  const schema = PARAM_SCHEMAS[type];
  const r = schema.safeParse(raw);
  if (!r.success) {
    addZodIssues(issues, r.error, root, path, () => Object.keys(schema.shape));
    return null;
  }
  const p = r.data as { low?: number; high?: number; log?: boolean; step?: number; choices?: ParamValue[]; when?: Record<string, ParamValue | ParamValue[]> };
  let distribution: Distribution;
  try {
    validateName(name, 'parameter name');
    if (type === 'float') distribution = floatDistribution(name, p.low as number, p.high as number, { log: p.log ?? false, step: p.step ?? null });
    else if (type === 'int') distribution = intDistribution(name, p.low as number, p.high as number, { log: p.log ?? false, step: p.step ?? 1 });
    else distribution = categoricalDistribution(name, p.choices as ParamValue[]);
  } catch (e) {
    issues.add(path, e instanceof DialsError ? e.message : String(e));
    return null;
  }
  const w = p.when ? Object.fromEntries(Object.entries(p.when).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])) : null;
  return { name, distribution, when: w };
}

function checkWhen(issues: Issues, space: readonly ParamSpec[]): void {
  const seen = new Map<string, ParamSpec>();
  for (const p of space) {
    for (const [dep, values] of Object.entries(p.when ?? {})) {
      const d = seen.get(dep);
      if (!d) {
        const later = space.some((q) => q.name === dep);
        issues.add(
          ['space', p.name, 'when', dep],
          later
            ? `condition on ${JSON.stringify(dep)}, which is defined after ${JSON.stringify(p.name)}; move it above`
            : `condition on ${JSON.stringify(dep)}, which is not a parameter of the space (parameters: ${space.map((q) => q.name).join(', ')})`,
          true,
        );
        continue;
      }
      if (d.distribution.kind === 'categorical') {
        const choices = d.distribution.choices;
        for (const v of values) {
          if (!choices.some((c) => c === v)) {
            issues.add(
              ['space', p.name, 'when', dep],
              `${show(v)} is not a choice of ${JSON.stringify(dep)} (choices: ${choices.map((c) => show(c)).join(', ')})`,
            );
          }
        }
      }
    }
    seen.set(p.name, p);
  }
}

function checkRegistry(issues: Issues, root: unknown, kind: RegistryKind, raw: Record<string, unknown> | undefined, ctx: RegistryContext | null): void {
  if (raw === undefined) return;
  if (kind === 'pruner') {
    try {
      buildFromRegistry('pruner', raw, ctx ?? { space: [], nObjectives: 1 });
    } catch (e) {
      const path = e instanceof DialsError && e.path[0] === 'pruner' ? e.path : ['pruner'];
      issues.add(path, e instanceof Error ? e.message : String(e), path.length > 1);
    }
    return;
  }
  const { options, original } = camelCaseKeys(raw);
  const type = options.type;
  const schema = typeof type === 'string' ? samplerSchema(type) : null;
  if (schema === null) {
    issues.add([kind, 'type'], `must be one of ${registryTypes(kind).join(', ')}, got ${show(type)}`);
    return;
  }
  const r = schema.safeParse(options);
  if (!r.success) {
    const mapped = new z.ZodError(
      r.error.issues.map((i) => ({ ...i, path: i.path.map((p, j) => (j === 0 && typeof p === 'string' ? (original.get(p) ?? p) : p)) })) as z.core.$ZodIssue[],
    );
    for (const i of mapped.issues) if (i.code === 'unrecognized_keys') (i as { keys: string[] }).keys = i.keys.map((k) => original.get(k) ?? k);
    addZodIssues(issues, mapped, root, [kind], (p) => (p.length === 0 ? Object.keys(schema.shape) : []));
    return;
  }
  if (ctx === null) return;
  try {
    // Built once here so option errors surface before any study is created.
    buildFromRegistry('sampler', r.data as Record<string, unknown>, ctx);
  } catch (e) {
    issues.add([kind], e instanceof Error ? e.message : String(e));
  }
}

const PBT_EXPLORE_KINDS = ['perturb', 'pb2'] as const;
const PBT_SCHEMA = z.strictObject({
  population: z.int().min(2).max(1024),
  readyEvery: z.int().min(1),
  totalSteps: z.int().min(1),
  quantile: z.number().gt(0).max(0.5).optional(),
  explore: z
    .union([
      z.enum(PBT_EXPLORE_KINDS),
      z.strictObject({
        type: z.literal('perturb'),
        factors: z.array(z.number().positive()).min(1).optional(),
        resampleProbability: z.number().min(0).max(1).optional(),
      }),
      z.strictObject({ type: z.literal('pb2'), resampleProbability: z.number().min(0).max(1).optional() }),
    ])
    .optional(),
  mutable: z.array(z.string().min(1)).min(1).optional(),
  synchronous: z.boolean().optional(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  artifacts: z.string().min(1).optional(),
  keepCheckpoints: z.int().min(2).optional(),
});
/** The keys of `pbt:` as written in files (camelCase is accepted too). */
const PBT_KEYS = ['population', 'ready_every', 'total_steps', 'quantile', 'explore', 'mutable', 'synchronous', 'seed', 'artifacts', 'keep_checkpoints'];

/** `baselines:` entries, each resolved in the registry and fitted to the space now, so a bad one creates nothing. */
function parseBaselines(issues: Issues, o: Partial<Top>, space: readonly ParamSpec[]): BaselineSpec[] {
  const out: BaselineSpec[] = [];
  const full: Record<string, Distribution> = {};
  for (const p of space) full[p.name] = p.distribution;
  for (const [i, e] of (o.baselines ?? []).entries()) {
    const spec: BaselineSpec =
      typeof e === 'string'
        ? { ref: e }
        : { ref: e.name, ...(e.rename !== undefined ? { rename: e.rename } : {}), ...(e.out_of_range !== undefined ? { outOfRange: e.out_of_range } : {}) };
    const where = typeof e === 'string' ? ['baselines', i] : ['baselines', i, 'name'];
    try {
      const b = getBaseline(spec.ref);
      const fitted = fitBaselineToSpace(b, full, spec);
      if (Object.keys(fitted).length === 0) {
        issues.add(
          where,
          `baseline ${spec.ref} shares no parameter with the space (its parameters: ${Object.keys(b.params).join(', ')}); map its names with { name: ${spec.ref}, rename: { <its name>: <yours> } }`,
        );
        continue;
      }
    } catch (err) {
      issues.add(where, (err as Error).message);
      continue;
    }
    out.push(spec);
  }
  return out;
}

/**
 * Reads `pbt:` and checks it against the rest of the file: PBT ranks members
 * by one metric, draws and explores its own hyperparameters (no sampler, no
 * enqueue beyond the population), replaces bad members itself (no pruner),
 * and its budget is population × total_steps (no trials or time).
 */
function parsePbt(
  issues: Issues,
  root: unknown,
  o: Partial<Top>,
  space: readonly ParamSpec[],
  directions: readonly StudyDirection[],
  dir: string,
): PbtConfig | undefined {
  const raw = o.pbt;
  if (raw === undefined) return undefined;
  const { options, original } = camelCaseKeys(raw);
  if (options.explore !== null && typeof options.explore === 'object' && !Array.isArray(options.explore)) {
    const inner = camelCaseKeys(options.explore as Record<string, unknown>);
    // `kind` is the library's name for the explore type.
    if (Object.hasOwn(inner.options, 'kind') && !Object.hasOwn(inner.options, 'type')) {
      inner.options.type = inner.options.kind;
      delete inner.options.kind;
      inner.original.set('type', 'kind');
    }
    options.explore = inner.options;
    for (const [k, v] of inner.original) original.set(`explore.${k}`, v);
  }
  const r = PBT_SCHEMA.safeParse(options);
  // Keys are reported as written, or in snake_case when missing.
  const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const rename = (path: readonly PropertyKey[]): (string | number)[] =>
    path.map((p, j) => {
      if (typeof p === 'number') return p;
      const key = String(p);
      if (j === 0) return original.get(key) ?? snake(key);
      if (j === 1 && path[0] === 'explore') return original.get(`explore.${key}`) ?? snake(key);
      return key;
    });
  if (!r.success) {
    const mapped = new z.ZodError(r.error.issues.map((i) => ({ ...i, path: rename(i.path) })) as z.core.$ZodIssue[]);
    for (const i of mapped.issues) {
      if (i.code === 'unrecognized_keys') {
        const inExplore = i.path[0] === 'explore';
        (i as { keys: string[] }).keys = i.keys.map((k) => original.get(inExplore ? `explore.${k}` : k) ?? k);
      }
    }
    addZodIssues(issues, mapped, root, ['pbt'], (p) =>
      p.length === 0 ? PBT_KEYS : p[0] === 'explore' ? ['type (perturb or pb2)', 'factors (perturb)', 'resample_probability'] : [],
    );
  }
  const at = (key: string): (string | number)[] => ['pbt', original.get(key) ?? key];
  const why = 'with pbt, ';
  if (o.pruner !== undefined) {
    issues.add(
      ['pruner'],
      `${why}the population replaces its bad members itself (every pbt.ready_every steps the bottom quantile copies the top); remove pruner, or remove pbt to run independent trials with a pruner`,
      true,
    );
  }
  if (o.sampler !== undefined) {
    issues.add(
      ['sampler'],
      `${why}the initial population is drawn by PBT (seeded by pbt.seed) and changed by pbt.explore; remove sampler (to start members at chosen values, list them under enqueue)`,
      true,
    );
  }
  if (o.trials !== undefined) {
    issues.add(
      ['trials'],
      `${why}the budget is pbt.population members × pbt.total_steps steps (one trial per pbt.ready_every steps of a member); remove trials`,
      true,
    );
  }
  if (o.baselines !== undefined) {
    issues.add(
      ['baselines'],
      `${why}members start from enqueue or from pbt's own draws, and lineage replaces a baseline comparison; remove baselines (list a baseline's values under enqueue to start a member there)`,
      true,
    );
  }
  if (o.time !== undefined) {
    issues.add(['time'], `${why}a run ends when every member reaches pbt.total_steps; remove time (Ctrl-C stops a run, and running it again resumes it)`, true);
  }
  if (o.heartbeat !== undefined) {
    issues.add(
      ['heartbeat'],
      `${why}one dials tune process drives the population and running it again recovers a crashed run, so heartbeat does not apply; remove it`,
      true,
    );
  }
  if (directions.length !== 1) {
    issues.add(
      [o.directions ? 'directions' : 'metrics'],
      `${why}members are ranked by one metric; give direction and metric, not ${directions.length} objectives`,
      true,
    );
  }
  for (const p of space) {
    if (p.when !== null)
      issues.add(['space', p.name, 'when'], `${why}every member has every hyperparameter; conditional parameters (when) are not supported`, true);
  }
  const mutable = Array.isArray(options.mutable) ? (options.mutable as unknown[]) : [];
  for (const [i, name] of mutable.entries()) {
    if (typeof name === 'string' && !space.some((p) => p.name === name)) {
      issues.add([...at('mutable'), i], `${JSON.stringify(name)} is not a parameter of the space (parameters: ${space.map((p) => p.name).join(', ')})`);
    }
  }
  if (new Set(mutable).size !== mutable.length) issues.add(at('mutable'), 'lists a parameter twice');
  if (!r.success) return undefined;
  const d = r.data;
  const population = d.population;
  for (const [i, e] of (o.enqueue ?? []).entries()) {
    for (const [k, v] of Object.entries(e)) {
      const p = space.find((q) => q.name === k);
      if (p !== undefined && !contains(p.distribution, v as ParamValue)) {
        issues.add(['enqueue', i, k], `${show(v)} is outside the space of ${JSON.stringify(k)}; a member cannot start there`);
      }
    }
  }
  if ((o.enqueue ?? []).length > population) {
    issues.add(
      ['enqueue'],
      `${why}enqueue gives the starting hyperparameters of the first members: at most pbt.population (${population}) entries, got ${(o.enqueue ?? []).length}`,
      true,
    );
  }
  const e = d.explore ?? 'perturb';
  let explore: PbtExploreOption;
  if (typeof e === 'string') explore = { kind: e };
  else if (e.type === 'perturb') {
    explore = {
      kind: 'perturb',
      ...(e.factors !== undefined ? { factors: e.factors } : {}),
      ...(e.resampleProbability !== undefined ? { resampleProbability: e.resampleProbability } : {}),
    };
  } else explore = { kind: 'pb2', ...(e.resampleProbability !== undefined ? { resampleProbability: e.resampleProbability } : {}) };
  return {
    population,
    readyEvery: d.readyEvery,
    totalSteps: d.totalSteps,
    quantile: d.quantile ?? 0.25,
    explore,
    mutable: d.mutable,
    synchronous: d.synchronous ?? true,
    seed: d.seed,
    artifacts: d.artifacts === undefined ? undefined : resolve(dir, d.artifacts),
    keepCheckpoints: d.keepCheckpoints ?? 2,
  };
}

/** Placeholders in a command (`{name}` for a parameter, `{args}` for all of them). */
export const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** Validates an already-parsed config object; `doc` locates issues in the file. */
function validate(file: string, name: string, root: unknown, doc: Document | null, lines: LineCounter): TuneConfig {
  const issues = new Issues(doc, lines);
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    issues.add([], `the file must hold a mapping of keys (${TOP_KEYS.join(', ')}), got ${typeName(root)}`);
    throw new ConfigError(name, issues.list);
  }
  const top = TOP.safeParse(root);
  if (!top.success) addZodIssues(issues, top.error, root, [], (p) => (p.length === 0 ? TOP_KEYS : p[0] === 'heartbeat' ? ['interval', 'grace'] : []));
  const o = (top.success ? top.data : root) as Partial<Top>;

  const rawSpace = o.space && typeof o.space === 'object' ? (o.space as Record<string, Record<string, unknown>>) : {};
  const space: ParamSpec[] = [];
  if (top.success && Object.keys(rawSpace).length === 0)
    issues.add(['space'], 'needs at least one parameter, e.g. lr: { type: float, low: 1e-5, high: 1e-1, log: true }');
  for (const [name, raw] of Object.entries(rawSpace)) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) continue; // reported by the top-level schema
    const p = parseParam(issues, root, name, raw);
    if (p) space.push(p);
  }
  checkWhen(issues, space);

  if (o.direction !== undefined && o.directions !== undefined) issues.add(['directions'], 'give either direction or directions, not both', true);
  const directions: StudyDirection[] = o.directions ? o.directions.slice() : [o.direction ?? 'minimize'];
  if (o.metric !== undefined && o.metrics !== undefined) issues.add(['metrics'], 'give either metric or metrics, not both', true);
  const metrics = o.metrics ? o.metrics.slice() : o.metric !== undefined ? [o.metric] : directions.length === 1 ? ['value'] : [];
  if (metrics.length !== directions.length) {
    issues.add(
      [o.metrics ? 'metrics' : 'directions'],
      `${directions.length} direction(s) need as many metric names (metrics: [${directions.map((_, i) => `m${i}`).join(', ')}]), got ${metrics.length}`,
      true,
    );
  }
  if (new Set(metrics).has('step')) issues.add([o.metrics ? 'metrics' : 'metric'], '"step" marks intermediate reports and cannot be a metric name');

  let command: CommandSpec = { kind: 'shell', text: '' };
  if (typeof o.command === 'string') command = { kind: 'shell', text: o.command };
  else if (Array.isArray(o.command)) {
    command = { kind: 'argv', argv: o.command.slice() };
    if (o.command[0] === '') issues.add(['command', 0], 'the program name must not be empty');
  }

  const ctx: RegistryContext | null = issues.list.length === 0 ? { space, nObjectives: directions.length } : null;
  checkRegistry(issues, root, 'sampler', o.sampler, ctx);
  checkRegistry(issues, root, 'pruner', o.pruner, ctx);

  if (o.study !== undefined) {
    try {
      validateName(o.study, 'study');
    } catch (e) {
      issues.add(['study'], (e as Error).message);
    }
  }
  const hb = o.heartbeat
    ? { intervalMs: parseDuration(o.heartbeat.interval) as number, graceMs: parseDuration(o.heartbeat.grace) as number }
    : DEFAULT_HEARTBEAT;
  if (o.heartbeat && !(hb.intervalMs > 0 && hb.graceMs >= 2 * hb.intervalMs)) {
    issues.add(['heartbeat', 'grace'], `must be positive and at least twice heartbeat.interval (a live worker that misses one beat would be failed)`);
  }
  for (const [i, e] of (o.enqueue ?? []).entries()) {
    for (const k of Object.keys(e))
      if (!space.some((p) => p.name === k)) issues.add(['enqueue', i, k], `${JSON.stringify(k)} is not a parameter of the space`, true);
  }
  for (const k of Object.keys(o.env ?? {})) if (k.startsWith('DIALS_')) issues.add(['env', k], 'DIALS_* variables are set by the runner for each trial', true);
  const baselines = parseBaselines(issues, o, space);

  const dir = dirname(file);
  const pbt = parsePbt(issues, root, o, space, directions, dir);
  if (o.workdir !== undefined && !existsSync(resolve(dir, o.workdir))) issues.add(['workdir'], `${resolve(dir, o.workdir)} does not exist; commands run there`);
  if (issues.list.length > 0) throw new ConfigError(name, issues.list);
  return {
    file,
    study: o.study as string,
    storage: o.storage,
    directions,
    metrics,
    command,
    space,
    sampler: o.sampler,
    pruner: o.pruner,
    trials: o.trials,
    timeMs: o.time === undefined ? undefined : (parseDuration(o.time) as number),
    parallel: o.parallel ?? 1,
    timeoutMs: o.timeout === undefined ? undefined : (parseDuration(o.timeout) as number),
    retries: o.retries ?? 0,
    killGraceMs: o.kill_grace === undefined ? DEFAULT_KILL_GRACE_MS : (parseDuration(o.kill_grace) as number),
    heartbeat: hb,
    env: o.env ?? {},
    workdir: o.workdir === undefined ? dir : resolve(dir, o.workdir),
    enqueue: o.enqueue ?? [],
    baselines,
    ...(pbt !== undefined ? { pbt } : {}),
  };
}

/** Parses config text (YAML; JSON is read as YAML 1.2, with the same line numbers). `name` is used in messages. */
export function parseConfigText(text: string, name: string): TuneConfig {
  const file = resolve(name);
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, schema: 'core', merge: false, uniqueKeys: true, prettyErrors: false, strict: true });
  const early = new Issues(doc, lines);
  for (const e of doc.errors) {
    const p = lines.linePos(e.pos[0]);
    early.addAt(p.line, p.col, `not valid YAML/JSON: ${e.message.split('\n')[0]}`);
  }
  // Only the core schema's types are read: any explicit tag (!!python/object, !foo, !!binary…) is refused.
  visit(doc, (_key, node) => {
    if (isNode(node) && node.tag !== undefined) {
      const pos = node.range ? lines.linePos(node.range[0]) : null;
      early.addAt(pos?.line ?? null, pos?.col ?? null, `YAML tag ${node.tag} is not allowed; config files hold plain values only`);
    }
  });
  for (const w of doc.warnings) {
    const p = lines.linePos(w.pos[0]);
    if (!w.message.startsWith('Unresolved tag')) early.addAt(p.line, p.col, w.message.split('\n')[0] as string);
  }
  if (early.list.length > 0) throw new ConfigError(name, early.list);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new ConfigError(name, [{ path: [], line: null, column: null, message: (e as Error).message }]);
  }
  return validate(file, name, root, doc, lines);
}

/**
 * Reads a config file. Throws ConfigError (file, line, key, what is allowed) for any problem.
 * @example const config = loadConfig('dials.yaml');
 */
export function loadConfig(path: string): TuneConfig {
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  const one = (message: string) => new ConfigError(path, [{ path: [], line: null, column: null, message }]);
  if (ext === '.toml') throw one('TOML is not supported; write the config as YAML (.yaml) or JSON (.json)');
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw one('is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw one(`cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_CONFIG_BYTES) throw one(`is ${size} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes`);
  const buf = readFileSync(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\u0000')) throw one('contains NUL bytes; a config file is UTF-8 text');
  return parseConfigText(text, path);
}

/** Validates a search space given as an object (the `space:` of a config file), e.g. from `dials ask --space`. */
export function parseSpace(raw: unknown, source: string): ParamSpec[] {
  const issues = new Issues(null, new LineCounter());
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new ConfigError(source, [{ path: [], line: null, column: null, message: 'the space must be a non-empty mapping of parameter names to { type, … }' }]);
  }
  const space: ParamSpec[] = [];
  for (const [name, p] of Object.entries(raw as Record<string, unknown>)) {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      issues.add(['space', name], `expected a mapping such as { type: float, low: 0, high: 1 }, got ${typeName(p)}`);
      continue;
    }
    const spec = parseParam(issues, { space: raw }, name, p as Record<string, unknown>);
    if (spec) space.push(spec);
  }
  checkWhen(issues, space);
  if (issues.list.length > 0) throw new ConfigError(source, issues.list);
  return space;
}
