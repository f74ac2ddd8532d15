/**
 * CSV in, a typed table out. The parser follows RFC 4180 (quoted fields,
 * doubled quotes, separators and line breaks inside quotes, CRLF or LF) and
 * never evaluates anything. A column is numeric when every present value
 * parses as a finite number, categorical otherwise; empty cells and the
 * usual markers (NA, N/A, NaN, null, ?) are missing values.
 */
import { InvalidArgumentError } from '../errors.js';

export type ColumnKind = 'numeric' | 'categorical';

/** A column-oriented table: numeric columns hold NaN for missing values, categorical ones null. */
export interface Frame {
  readonly names: readonly string[];
  readonly kinds: readonly ColumnKind[];
  readonly columns: readonly (Float64Array | readonly (string | null)[])[];
  readonly nRows: number;
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);

export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

/** Splits CSV text into records of fields (RFC 4180). */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let line = 1;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field.trim() !== '')
        throw new InvalidArgumentError(`CSV line ${line}: a quote inside an unquoted field; quote the whole field and double inner quotes ("")`);
      field = '';
      quoted = true;
      i++;
    } else if (c === separator) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new InvalidArgumentError(`CSV: a quoted field opened before line ${line} is never closed`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // Blank lines carry no record.
  return rows.filter((r) => !(r.length === 1 && (r[0] as string).trim() === ''));
}

/** Parses CSV text with a header line into a typed Frame. */
export function readCsvText(text: string, source = 'CSV'): Frame {
  const records = parseCsv(text);
  if (records.length === 0) throw new InvalidArgumentError(`${source} is empty: it needs a header line and at least one row`);
  const header = (records[0] as string[]).map((h) => h.trim());
  if (records.length < 2) throw new InvalidArgumentError(`${source} has a header but no data rows`);
  const seen = new Set<string>();
  header.forEach((h, j) => {
    if (h === '') throw new InvalidArgumentError(`${source}: column ${j + 1} of the header has no name`);
    if (seen.has(h)) throw new InvalidArgumentError(`${source}: the column name ${JSON.stringify(h)} appears twice in the header`);
    seen.add(h);
  });
  const body = records.slice(1);
  body.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new InvalidArgumentError(`${source}: row ${i + 2} has ${r.length} fields but the header has ${header.length}`);
    }
  });
  const cells = header.map((_, j) => body.map((r) => r[j] as string));
  return frameFromCells(header, cells);
}

/** Builds a Frame from rows of objects (values: numbers, strings, booleans, null/undefined for missing). */
export function frameFromRecords(records: readonly Readonly<Record<string, unknown>>[]): Frame {
  if (!Array.isArray(records) || records.length === 0) throw new InvalidArgumentError('data must be a non-empty array of rows (objects)', ['data']);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (r === null || typeof r !== 'object') throw new InvalidArgumentError('every row of data must be an object', ['data']);
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const cells = names.map((name) =>
    records.map((r) => {
      const v = r[name];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
      return String(v);
    }),
  );
  return frameFromCells(names, cells);
}

function frameFromCells(names: readonly string[], cells: readonly (readonly string[])[]): Frame {
  const kinds: ColumnKind[] = [];
  const columns: (Float64Array | (string | null)[])[] = [];
  const nRows = cells[0]?.length ?? 0;
  for (const col of cells) {
    let numeric = true;
    const values = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) {
      const s = col[i] as string;
      if (isMissing(s)) {
        values[i] = Number.NaN;
        continue;
      }
      const v = Number(s.trim());
      if (!Number.isFinite(v)) {
        numeric = false;
        break;
      }
      values[i] = v;
    }
    if (numeric) {
      kinds.push('numeric');
      columns.push(values);
    } else {
      kinds.push('categorical');
      columns.push(col.map((s) => (isMissing(s) ? null : s.trim())));
    }
  }
  return { names, kinds, columns, nRows };
}

/** The frame's rows `rows`, in that order (e.g. a fold's training rows). */
export function frameRows(frame: Frame, rows: readonly number[]): Frame {
  return {
    names: frame.names,
    kinds: frame.kinds,
    columns: frame.columns.map((c) => (c instanceof Float64Array ? Float64Array.from(rows, (i) => c[i] as number) : rows.map((i) => c[i] ?? null))),
    nRows: rows.length,
  };
}

/** One cell: its number or string, null when missing. */
export function cell(frame: Frame, column: number, row: number): number | string | null {
  const col = frame.columns[column] as Float64Array | (string | null)[];
  const v = col[row] as number | string | null;
  return typeof v === 'number' && Number.isNaN(v) ? null : v;
}
