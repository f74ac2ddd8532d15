/**
 * The trial protocol, read side: a command reports by printing lines
 * `dials: {json}` on stdout (or writing them to $DIALS_RESULT_FILE). An object
 * with `step` is an intermediate value, one without is the final result.
 * Input is untrusted bytes: lines are bounded, anything malformed is counted
 * and skipped, and JSON is only ever parsed, never evaluated.
 */

/** Longest line kept; longer ones are dropped whole (and counted). */
export const MAX_LINE_BYTES = 1024 * 1024;

const PREFIX = 'dials:';

/** Splits a byte stream into lines of at most `maxLine` bytes; memory stays bounded whatever arrives. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private len = 0;
  private discarding = false;
  /** Lines dropped for being longer than the limit. */
  oversized = 0;

  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly maxLine = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.flushLine();
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.len > 0 || this.discarding) this.flushLine();
  }

  private append(b: Buffer): void {
    if (this.discarding || b.length === 0) return;
    if (this.len + b.length > this.maxLine) {
      this.discarding = true;
      this.oversized++;
      this.parts = [];
      this.len = 0;
      return;
    }
    this.parts.push(b);
    this.len += b.length;
  }

  private flushLine(): void {
    if (!this.discarding && this.len > 0) this.onLine(this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.len));
    this.parts = [];
    this.len = 0;
    this.discarding = false;
  }
}

export type Report =
  | { readonly kind: 'intermediate'; readonly step: number; readonly fold: number | null; readonly values: readonly number[] }
  | { readonly kind: 'final'; readonly values: readonly number[] }
  | { readonly kind: 'invalid'; readonly problem: string };

/**
 * JSON with the non-standard tokens NaN, Infinity and -Infinity (as Python's
 * json.dumps writes them) outside strings turned into valid JSON first.
 */
export function parseLenientJson(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | null = null;
    let repl = '';
    if (c === 78 && text.startsWith('NaN', i)) [token, repl] = ['NaN', '"NaN"'];
    else if (c === 73 && text.startsWith('Infinity', i)) [token, repl] = ['Infinity', '1e999'];
    else if (c === 45 && text.startsWith('-Infinity', i)) [token, repl] = ['-Infinity', '-1e999'];
    if (token !== null) {
      out += text.slice(last, i) + repl;
      i += token.length - 1;
      last = i + 1;
    }
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last));
}

const SPECIAL: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/** A metric value: a JSON number, or one of the strings nan / inf / -inf / Infinity (any case). */
export function metricValue(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const k = v.trim().toLowerCase();
    if (Object.hasOwn(SPECIAL, k)) return SPECIAL[k] as number;
  }
  return null;
}

function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads one report object; `metrics` are the keys holding the objective values. */
export function interpretReport(obj: unknown, metrics: readonly string[]): Report {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { kind: 'invalid', problem: 'a report must be a JSON object' };
  const o = obj as Record<string, unknown>;
  const values: number[] = [];
  for (const m of metrics) {
    if (!Object.hasOwn(o, m)) return { kind: 'invalid', problem: `the report has no ${JSON.stringify(m)} (keys: ${short(Object.keys(o).join(', '))})` };
    const v = metricValue(o[m]);
    if (v === null) return { kind: 'invalid', problem: `${JSON.stringify(m)} must be a number, got ${short(JSON.stringify(o[m]) ?? 'undefined')}` };
    values.push(v);
  }
  if (!Object.hasOwn(o, 'step')) return { kind: 'final', values };
  const step = o.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    return { kind: 'invalid', problem: `step must be a non-negative integer, got ${short(JSON.stringify(step) ?? 'undefined')}` };
  }
  const fold = Object.hasOwn(o, 'fold') ? o.fold : null;
  if (fold !== null && (typeof fold !== 'number' || !Number.isSafeInteger(fold) || fold < 0)) {
    return { kind: 'invalid', problem: `fold must be a non-negative integer, got ${short(JSON.stringify(fold) ?? 'undefined')}` };
  }
  return { kind: 'intermediate', step, fold: fold as number | null, values };
}

/** Parses one output line; null when it is not a `dials:` line (ordinary output). */
export function parseReportLine(line: Buffer | string, metrics: readonly string[]): Report | null {
  // Cheap test on the raw bytes first: most lines are ordinary output.
  const buf = typeof line === 'string' ? null : line;
  if (buf !== null && buf.indexOf(13) === -1) {
    let i = 0;
    while (i < buf.length && (buf[i] === 32 || buf[i] === 9)) i++;
    if (buf.length - i < PREFIX.length || buf.toString('latin1', i, i + PREFIX.length) !== PREFIX) return null;
  }
  let text = (typeof line === 'string' ? line : line.toString('utf8')).replace(/\r+$/, '');
  // A progress bar redrawn with carriage returns may precede the report on the same line.
  text = text.slice(text.lastIndexOf('\r') + 1).trim();
  if (!text.startsWith(PREFIX)) return null;
  const body = text.slice(PREFIX.length).trim();
  let obj: unknown;
  try {
    obj = parseLenientJson(body);
  } catch {
    return { kind: 'invalid', problem: `not JSON: ${short(body)}` };
  }
  return interpretReport(obj, metrics);
}

/** Counts of what a command printed, kept with its trial. */
export interface ProtocolStats {
  reports: number;
  invalid: number;
  oversized: number;
  /** The first few problems, for the trial's log. */
  problems: string[];
}

/** Feeds output bytes in, gets reports out; tracks the final result (the last one wins). */
export class ReportReader {
  readonly stats: ProtocolStats = { reports: 0, invalid: 0, oversized: 0, problems: [] };
  final: readonly number[] | null = null;
  private readonly splitter: LineSplitter;

  constructor(
    private readonly metrics: readonly string[],
    private readonly onIntermediate: (r: Extract<Report, { kind: 'intermediate' }>) => void,
  ) {
    this.splitter = new LineSplitter((line) => this.line(line));
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
    this.stats.oversized = this.splitter.oversized;
  }

  end(): void {
    this.splitter.end();
    this.stats.oversized = this.splitter.oversized;
  }

  private line(line: Buffer): void {
    const r = parseReportLine(line, this.metrics);
    if (r === null) return;
    if (r.kind === 'invalid') {
      this.stats.invalid++;
      if (this.stats.problems.length < 5) this.stats.problems.push(r.problem);
      return;
    }
    this.stats.reports++;
    if (r.kind === 'final') this.final = r.values;
    else this.onIntermediate(r);
  }
}
