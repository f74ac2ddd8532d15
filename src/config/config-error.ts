/**
 * Config errors are data: each issue has the path of the offending key, its
 * line and column in the file, and a message saying what is allowed.
 */
import { DialsError } from '../errors.js';

export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  /** 1-based; null when the file could not be located (e.g. a missing key). */
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
}

/** Renders a key path as `space.lr.low` or `command[2]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === null ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  const key = issue.path.length > 0 ? ` ${formatPath(issue.path)}:` : '';
  return `${where}:${key} ${issue.message}`;
}

/** An invalid config file; nothing has been created when this is thrown. */
export class ConfigError extends DialsError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => formatIssue(file, i));
    super('INVALID_CONFIG', lines.join('\n'), { path: issues[0]?.path ?? [] });
    this.file = file;
    this.issues = issues;
  }
}
