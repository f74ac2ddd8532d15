/**
 * Trials as CSV (spreadsheet-safe: text cells a spreadsheet would run as a
 * formula get a leading apostrophe) or JSON (±Infinity, NaN and -0 kept exact
 * with the tagged encoding of json.ts).
 */
import { encodeJson, type JsonValue, normalizeJson } from '../json.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { StudyDirection } from '../trial/state.js';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (v === Number.POSITIVE_INFINITY) return 'inf';
    if (v === Number.NEGATIVE_INFINITY) return '-inf';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') s = v;
  else s = JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function exportTrialsCsv(trials: readonly FrozenTrial[], directions: readonly StudyDirection[]): string {
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const attrs = [...new Set(trials.flatMap((t) => Object.keys(t.userAttrs)))].sort();
  const valueCols = directions.length === 1 ? ['value'] : directions.map((_, k) => `values_${k}`);
  const header = ['number', 'state', ...valueCols, 'datetime_start', 'datetime_complete', 'duration_ms', ...params.map((p) => `params_${p}`), ...attrs.map((a) => `user_attrs_${a}`), 'fail_reason'];
  const lines = [header.map(csvCell).join(',')];
  for (const t of trials) {
    const vals = directions.map((_, k) => t.values?.[k] ?? null);
    const dur = t.datetimeStart && t.datetimeComplete ? t.datetimeComplete.getTime() - t.datetimeStart.getTime() : null;
    const row = [
      t.number,
      t.state,
      ...vals,
      t.datetimeStart?.toISOString() ?? null,
      t.datetimeComplete?.toISOString() ?? null,
      dur,
      ...params.map((p) => (Object.hasOwn(t.params, p) ? t.params[p] : null)),
      ...attrs.map((a) => (Object.hasOwn(t.userAttrs, a) ? t.userAttrs[a] : null)),
      t.failReason,
    ];
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function exportTrialsJson(studyName: string, directions: readonly StudyDirection[], trials: readonly FrozenTrial[]): string {
  const data = {
    studyName,
    directions: directions.slice(),
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      values: t.values ? t.values.slice() : null,
      params: { ...t.params },
      distributions: JSON.parse(JSON.stringify(t.distributions)) as JsonValue,
      fixedParams: { ...t.fixedParams },
      intermediateValues: t.intermediateValues.map((iv) => ({ step: iv.step, fold: iv.fold, values: iv.values.slice() })),
      userAttrs: { ...t.userAttrs },
      systemAttrs: { ...t.systemAttrs },
      datetimeStart: t.datetimeStart?.toISOString() ?? null,
      datetimeComplete: t.datetimeComplete?.toISOString() ?? null,
      failReason: t.failReason,
      retryOf: t.retryOf,
      gridIndex: t.gridIndex,
    })),
  };
  return encodeJson(normalizeJson(data, 'export'));
}
