/** Plain-text and --json output for commands. */
import { encodeJson, normalizeJson } from '../json.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${encodeJson(normalizeJson(value, 'output'))}\n`);
}

export function printTable(rows: readonly (readonly string[])[]): void {
  if (rows.length === 0) return;
  const widths = (rows[0] as readonly string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/** Renders a value for a terminal; control characters in user strings are escaped. */
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return (s ?? String(v)).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
