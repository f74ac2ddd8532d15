/**
 * Text for numbers, times and JSON as the dashboard shows them. ±Infinity and
 * NaN are written out ("Infinity", "-Infinity", "NaN"), never blank or null.
 */
import type { JsonValue, ParamValue } from '../api.js';

/** A number with at most `digits` significant digits; non-finite values by name. */
export function formatNumber(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

export function formatValues(values: readonly number[] | null): string {
  if (values === null) return '';
  return values.map((v) => formatNumber(v)).join(', ');
}

export function formatParam(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return String(v);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m - h * 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Local date and time, to the second. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "3 min ago", relative to `now`. */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Pretty JSON text that spells out ±Infinity, NaN and -0 instead of writing null. */
export function formatJson(v: JsonValue, indent = 2): string {
  const walk = (x: JsonValue, depth: number): string => {
    const pad = ' '.repeat(indent * (depth + 1));
    const end = ' '.repeat(indent * depth);
    if (x === null) return 'null';
    if (typeof x === 'number') return Object.is(x, -0) ? '-0' : Number.isFinite(x) ? String(x) : formatNumber(x);
    if (typeof x === 'string' || typeof x === 'boolean') return JSON.stringify(x);
    if (Array.isArray(x)) {
      if (x.length === 0) return '[]';
      return `[\n${x.map((y: JsonValue) => pad + walk(y, depth + 1)).join(',\n')}\n${end}]`;
    }
    const entries = Object.entries(x as Record<string, JsonValue>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, y]) => `${pad}${JSON.stringify(k)}: ${walk(y, depth + 1)}`).join(',\n')}\n${end}}`;
  };
  return walk(v, 0);
}

/** A one-line JSON value for table cells: strings unquoted. */
export function formatJsonInline(v: JsonValue): string {
  if (typeof v === 'string') return v;
  return formatJson(v, 0).replace(/\n/g, ' ');
}
