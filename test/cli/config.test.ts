/**
 * C5 (config files) and C1 (invalid search spaces): every problem names the
 * file, the line and the key and says what is allowed; YAML is read with the
 * safe core schema; nothing is created for an invalid file.
 */
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, MAX_CONFIG_BYTES, parseConfigText } from '../../src/config/load-config.js';
import { buildFromRegistry } from '../../src/config/registry.js';
import { dials } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `study: svm-digits
storage: sqlite:dials.db
direction: maximize
metric: accuracy
command: python3 train.py --C {C} --kernel {kernel} {args}
space:
  C:      { type: float, low: 1.0e-3, high: 1.0e3, log: true }
  kernel: { type: categorical, choices: [rbf, poly] }
  degree: { type: int, low: 2, high: 5, when: { kernel: poly } }
sampler: { type: tpe, seed: 1 }
pruner:  { type: none }
trials: 100
time: 2h
parallel: 2
timeout: 10m
retries: 1
`;

function issues(text: string, name = 'dials.yaml'): string[] {
  try {
    parseConfigText(text, name);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('config files', () => {
  it("reads the issue's example, in YAML with CRLF and a BOM, and as JSON", () => {
    const c = parseConfigText(GOOD, 'a.yaml');
    expect(c.study).toBe('svm-digits');
    expect(c.directions).toEqual(['maximize']);
    expect(c.metrics).toEqual(['accuracy']);
    expect(c.space.map((p) => p.name)).toEqual(['C', 'kernel', 'degree']);
    expect(c.space[2]?.when).toEqual({ kernel: ['poly'] });
    expect([c.trials, c.timeMs, c.parallel, c.timeoutMs, c.retries]).toEqual([100, 7_200_000, 2, 600_000, 1]);
    expect(parseConfigText(`\uFEFF${GOOD.replace(/\n/g, '\r\n')}`, 'b.yaml')).toEqual({ ...c, file: c.file.replace('a.yaml', 'b.yaml') });
    const json = JSON.stringify({ study: 's', command: ['python3', 't.py', '{args}'], space: { x: { type: 'float', low: 0, high: 1 } }, trials: 3 }, null, 2);
    expect(parseConfigText(json, 'c.json').command).toEqual({ kind: 'argv', argv: ['python3', 't.py', '{args}'] });
  });

  it('unknown keys are errors with the line, the key and the allowed keys', () => {
    const lines = issues(GOOD.replace('parallel: 2', 'paralel: 2'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dials\.yaml:14:1: paralel: unknown key "paralel"; allowed keys here: .*parallel/);
    expect(issues(GOOD.replace('{ type: tpe, seed: 1 }', '{ type: tpe, sed: 1 }'))[0]).toMatch(
      /^dials\.yaml:10:\d+: sampler\.sed: unknown key "sed"; allowed keys here: type, seed, /,
    );
    expect(issues(GOOD.replace('log: true }', 'log: true, lg: 1 }'))[0]).toMatch(/^dials\.yaml:7:\d+: space\.C\.lg: unknown key/);
  });

  it('wrong types and values say what is allowed', () => {
    const lines = issues(
      GOOD.replace('trials: 100', 'trials: many')
        .replace('timeout: 10m', 'timeout: soon')
        .replace('direction: maximize', 'direction: up')
        .replace('{ type: tpe, seed: 1 }', '{ type: hyperopt }'),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^dials\.yaml:3:12: direction: must be "minimize" or "maximize", got "up"$/),
      expect.stringMatching(/^dials\.yaml:12:9: trials: expected number, got string "many"$/),
      expect.stringMatching(/^dials\.yaml:15:10: timeout: expected a duration such as 90s/),
      expect.stringMatching(/^dials\.yaml:10:\d+: sampler\.type: must be one of auto, random, grid, sobol, tpe, gp, cmaes, nsga2, nsga3, got "hyperopt"$/),
    ]);
  });

  it('C1: invalid search spaces are refused with the parameter named', () => {
    const space = (s: string) => issues(`study: s\ncommand: x\ntrials: 1\nspace:\n  ${s}\n`);
    expect(space('a: { type: float, low: 2, high: 1 }')[0]).toMatch(/^dials\.yaml:5:6: space\.a: parameter "a": low \(2\) must not exceed high \(1\)/);
    expect(space('a: { type: float, low: 0, high: 1, log: true }')[0]).toMatch(/space\.a: .*log scale needs low > 0/);
    expect(space('a: { type: float, low: 0, high: 1, step: 0.3 }')[0]).toMatch(/space\.a: .*step 0\.3 does not divide/);
    expect(space('a: { type: categorical, choices: [] }')[0]).toMatch(/space\.a\.choices: needs at least 1 item/);
    expect(space('a: { type: categorical, choices: [1, x] }')[0]).toMatch(/choices mix number and string/);
    expect(space('a: { type: float, low: .nan, high: 1 }')[0]).toMatch(/space\.a\.low: expected number, got NaN/);
    expect(space('a: { type: float, low: -.inf, high: 1 }')[0]).toMatch(/space\.a\.low: expected number, got -Infinity/);
    expect(space('a: { type: int, low: 0, high: 9007199254740993 }')[0]).toMatch(/integers within ±2\^53/);
    expect(space('a: { type: int, low: 0, high: 10, when: { b: 1 } }')[0]).toMatch(/space\.a\.when\.b: condition on "b", which is not a parameter/);
    expect(issues('study: s\ncommand: x\nspace:\n  a: { type: float, low: 0, high: 1 }\n  a: { type: int, low: 0, high: 1 }\n')[0]).toMatch(
      /^dials\.yaml:5:3: not valid YAML\/JSON: Map keys must be unique/,
    );
    expect(issues('study: s\ncommand: x\nspace: {}\n')[0]).toMatch(/space: needs at least one parameter/);
    // A grid of more than 10^7 points is refused by the sampler, before anything runs.
    expect(
      issues('study: s\ncommand: x\nsampler: { type: grid }\nspace:\n  a: { type: int, low: 0, high: 9999 }\n  b: { type: int, low: 0, high: 9999 }\n')[0],
    ).toMatch(/^dials\.yaml:3:\d+: sampler: the grid has more than 10000000 points/);
  });

  it('YAML is read with the core schema: tags, duplicate keys and alias bombs are refused', () => {
    expect(issues('study: !!python/object/apply:os.system ["id"]\ncommand: x\n')[0]).toMatch(
      /^dials\.yaml:1:\d+: YAML tag .*python\/object\/apply:os\.system is not allowed/,
    );
    expect(issues('study: !custom s\ncommand: x\n')[0]).toMatch(/YAML tag !custom is not allowed/);
    expect(issues('study: a\nstudy: b\ncommand: x\n')[0]).toMatch(/^dials\.yaml:2:1: not valid YAML\/JSON: Map keys must be unique/);
    expect(issues('study: [unclosed\ncommand: x\n')[0]).toMatch(/^dials\.yaml:\d+:\d+: not valid YAML\/JSON/);
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    expect(() => parseConfigText(`${bomb}\nstudy: s\n`, 'bomb.yaml')).toThrow(ConfigError);
    expect(issues('{"study": "s", "study": "t", "command": "x"}', 'c.json')[0]).toMatch(/^c\.json:1:\d+: not valid YAML\/JSON: Map keys must be unique/);
    expect(issues('- a\n- b\n')[0]).toMatch(/the file must hold a mapping of keys/);
  });

  it('a workdir that does not exist is a config error', () => {
    expect(issues(GOOD.replace('retries: 1', 'retries: 1\nworkdir: no/such/dir'))[0]).toMatch(
      /^dials\.yaml:17:10: workdir: .*no\/such\/dir does not exist; commands run there$/,
    );
  });

  it('refuses TOML, huge files (before reading them) and missing files, naming the file', () => {
    const toml = join(dir, 'c.toml');
    writeFileSync(toml, 'study = "s"\n');
    expect(() => loadConfig(toml)).toThrow(/c\.toml: TOML is not supported; write the config as YAML/);
    const huge = join(dir, 'huge.yaml');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 100 * 1024 * 1024);
    closeSync(fd);
    expect(() => loadConfig(huge)).toThrow(new RegExp(`huge\\.yaml: is ${100 * 1024 * 1024} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes`));
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/nope\.yaml: cannot read the config file: ENOENT/);
  });

  it('the registry builds every sampler with its options', () => {
    const ctx = { space: parseConfigText(GOOD, 'a.yaml').space, nObjectives: 1 };
    const names: Record<string, string> = {
      auto: 'AutoSampler',
      random: 'RandomSampler',
      sobol: 'SobolSampler',
      tpe: 'TpeSampler',
      gp: 'GpSampler',
      cmaes: 'CmaEsSampler',
      nsga2: 'NsgaIISampler',
      nsga3: 'NsgaIIISampler',
    };
    for (const [type, name] of Object.entries(names)) expect(buildFromRegistry('sampler', { type, seed: 3 }, ctx).name).toBe(name);
    const grid = buildFromRegistry('sampler', { type: 'grid', grid: { a: [1, 2, 3], b: ['x', 'y'] } }, ctx);
    expect(grid.gridSize).toBe(6);
    const fromSpace = parseConfigText(
      'study: s\ncommand: x\nsampler: { type: grid }\nspace:\n  a: { type: int, low: 0, high: 4, step: 2 }\n  b: { type: categorical, choices: [x, y] }\n  c: { type: float, low: 0, high: 1, step: 0.25 }\n',
      'g.yaml',
    );
    expect(buildFromRegistry('sampler', { ...fromSpace.sampler }, { space: fromSpace.space, nObjectives: 1 }).gridSize).toBe(3 * 2 * 5);
    expect(issues('study: s\ncommand: x\nsampler: { type: grid }\nspace:\n  a: { type: float, low: 0, high: 1 }\n')[0]).toMatch(
      /float parameter "a" has no step/,
    );
    expect(issues(GOOD.replace('{ type: tpe, seed: 1 }', '{ type: tpe, seed: -1, nStartupTrials: 2.5 }'))).toEqual([
      expect.stringMatching(/sampler\.seed: must be ≥ 0, got -1/),
      expect.stringMatching(/sampler\.nStartupTrials: expected an integer, got number 2\.5/),
    ]);
  });

  it('pruners come from createPruner; sampler options may be snake_case', () => {
    const c = parseConfigText(
      GOOD.replace('{ type: none }', '{ type: median, n_startup_trials: 1 }').replace('seed: 1 }', 'seed: 1, n_startup_trials: 3 }'),
      'p.yaml',
    );
    expect(buildFromRegistry('pruner', { ...c.pruner }, { space: c.space, nObjectives: 1 }).name).toBe('MedianPruner');
    expect(buildFromRegistry('sampler', { ...c.sampler }, { space: c.space, nObjectives: 1 }).name).toBe('TpeSampler');
    expect(issues(GOOD.replace('{ type: none }', '{ type: median, patience: 1 }'))[0]).toMatch(
      /^dials\.yaml:11:\d+: pruner\.patience: pruner "median" has no option "patience"; its options are: nStartupTrials, /,
    );
    expect(issues(GOOD.replace('{ type: none }', '{ type: magic }'))[0]).toMatch(
      /^dials\.yaml:11:\d+: pruner\.type: unknown pruner type "magic"; use one of nop, median, /,
    );
    expect(issues(GOOD.replace('seed: 1 }', 'seed: 1, n_startup_trial: 3 }'))[0]).toMatch(
      /^dials\.yaml:10:\d+: sampler\.n_startup_trial: unknown key "n_startup_trial"/,
    );
  });

  it('an invalid config creates nothing: no database file, exit 1 and one clear first line', async () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, GOOD.replace('storage: sqlite:dials.db', `storage: sqlite:${join(dir, 'never.db')}`).replace('high: 5', 'high: 1'));
    const r = await dials(['tune', cfg], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^dials: .*bad\.yaml:9:\d+: space\.degree: parameter "degree": low \(2\) must not exceed high \(1\)/);
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
    expect(existsSync(join(dir, 'dials.db'))).toBe(false);
  });
});
