/**
 * A trial's command line: `{name}` placeholders take the parameter's value,
 * `{args}` every active parameter as `--name=value`. A string command runs
 * through /bin/sh with each substituted value single-quoted; an argv list runs
 * directly, `{args}` standing alone expanding to several arguments. Braces
 * that name no parameter (such as `${HOME}`) are left as they are.
 */
import type { CommandSpec } from '../config/load-config.js';
import type { ParamValue } from '../space/distributions.js';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** How a parameter value is written on a command line. */
export function formatValue(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  if (v === null) return 'null';
  return String(v);
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * @param names every parameter of the space (inactive ones are substituted by an empty string)
 * @param params the trial's active parameters, in space order
 */
export function buildArgv(command: CommandSpec, names: readonly string[], params: Readonly<Record<string, ParamValue>>): string[] {
  const known = new Set([...names, 'args']);
  const args = Object.entries(params).map(([k, v]) => `--${k}=${formatValue(v)}`);
  if (command.kind === 'shell') {
    const text = command.text.replace(PLACEHOLDER, (m, name: string) => {
      if (!known.has(name)) return m;
      if (name === 'args' && !names.includes('args')) return args.map(shellQuote).join(' ');
      return shellQuote(formatValue(params[name]));
    });
    return ['/bin/sh', '-c', text];
  }
  const out: string[] = [];
  for (const a of command.argv) {
    if (a === '{args}' && !names.includes('args')) {
      out.push(...args);
      continue;
    }
    out.push(
      a.replace(PLACEHOLDER, (m, name: string) => {
        if (!known.has(name)) return m;
        if (name === 'args' && !names.includes('args')) return args.join(' ');
        return formatValue(params[name]);
      }),
    );
  }
  return out;
}
