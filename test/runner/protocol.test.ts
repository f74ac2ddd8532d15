/** B9 (parsing side): the report protocol reads untrusted bytes without eval, crash or unbounded memory. */
import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/runner/output-tail.js';
import { LineSplitter, MAX_LINE_BYTES, parseLenientJson, parseReportLine, ReportReader } from '../../src/runner/protocol.js';

function readAll(chunks: (string | Buffer)[], metrics = ['loss']) {
  const steps: { step: number; values: readonly number[] }[] = [];
  const r = new ReportReader(metrics, (x) => steps.push({ step: x.step, values: x.values }));
  for (const c of chunks) r.push(typeof c === 'string' ? Buffer.from(c) : c);
  r.end();
  return { final: r.final, steps, stats: r.stats };
}

describe('report lines', () => {
  it('reads intermediate and final reports, the last final one winning', () => {
    const { final, steps, stats } = readAll([
      'hello\n',
      'dials: {"step": 0, "loss": 3}\n',
      '  dials:{"step":1,"loss":2.5}\r\n',
      'dials: {"loss": 2}\n',
      'dials: {"loss": 1.5}\n',
    ]);
    expect(steps).toEqual([
      { step: 0, values: [3] },
      { step: 1, values: [2.5] },
    ]);
    expect(final).toEqual([1.5]);
    expect(stats.reports).toBe(4);
  });

  it('finds a report after a progress bar redrawn with carriage returns on the same line', () => {
    expect(readAll(['epoch 1/3 [=====>    ]\repoch 1/3 [==========] dials: {"loss": 1}\r\n']).final).toBeNull();
    expect(readAll(['epoch 1/3 [=====>    ]\rdials: {"step": 1, "loss": 0.5}\r\n', 'dials: {"loss": 0.25}\r\n'])).toMatchObject({
      final: [0.25],
      steps: [{ step: 1 }],
    });
  });

  it('reads lines split across chunks at any byte, and a last line without newline', () => {
    const text = 'x\ndials: {"step": 3, "loss": 0.25}\ndials: {"loss": 0.125}';
    for (let cut = 0; cut <= text.length; cut++) {
      const { final, steps } = readAll([text.slice(0, cut), text.slice(cut)]);
      expect(final).toEqual([0.125]);
      expect(steps).toEqual([{ step: 3, values: [0.25] }]);
    }
  });

  it('keeps NaN, ±Infinity (Python json.dumps and 1e999) and -0 exact', () => {
    expect(parseReportLine('dials: {"loss": NaN}', ['loss'])).toEqual({ kind: 'final', values: [Number.NaN] });
    expect(parseReportLine('dials: {"loss": Infinity}', ['loss'])).toEqual({ kind: 'final', values: [Number.POSITIVE_INFINITY] });
    expect(parseReportLine('dials: {"loss": -Infinity}', ['loss'])).toEqual({ kind: 'final', values: [Number.NEGATIVE_INFINITY] });
    expect(parseReportLine('dials: {"loss": 1e999}', ['loss'])).toEqual({ kind: 'final', values: [Number.POSITIVE_INFINITY] });
    expect(parseReportLine('dials: {"loss": "nan"}', ['loss'])).toEqual({ kind: 'final', values: [Number.NaN] });
    expect(parseReportLine('dials: {"loss": "-inf"}', ['loss'])).toEqual({ kind: 'final', values: [Number.NEGATIVE_INFINITY] });
    const z = parseReportLine('dials: {"loss": -0}', ['loss']);
    expect(z?.kind === 'final' && Object.is(z.values[0], -0)).toBe(true);
    // Tokens inside strings are left alone.
    expect(parseLenientJson('{"a": "NaN Infinity -Infinity \\"NaN", "b": NaN}')).toEqual({ a: 'NaN Infinity -Infinity "NaN', b: 'NaN' });
  });

  it('counts malformed lines and never evaluates them', () => {
    const g = globalThis as Record<string, unknown>;
    const { final, stats } = readAll(
      [
        'dials: {"loss": (globalThis.pwned = 1)}\n',
        'dials: not json\n',
        'dials: [1, 2]\n',
        'dials: null\n',
        'dials: {"lss": 1}\n',
        'dials: {"loss": "0.5"}\n',
        'dials: {"loss": true}\n',
        'dials: {"step": -1, "loss": 1}\n',
        'dials: {"step": 1.5, "loss": 1}\n',
        'dials: {"__proto__": {"polluted": 1}, "loss": 7}\n',
      ],
      ['loss'],
    );
    expect(g.pwned).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stats.invalid).toBe(9);
    expect(stats.problems.length).toBe(5);
    expect(final).toEqual([7]);
  });

  it('several objectives read one key each', () => {
    expect(parseReportLine('dials: {"loss": 1, "latency": 20, "extra": "x"}', ['loss', 'latency'])).toEqual({ kind: 'final', values: [1, 20] });
    expect(parseReportLine('dials: {"loss": 1}', ['loss', 'latency'])?.kind).toBe('invalid');
    expect(parseReportLine('dials: {"step": 2, "fold": 1, "loss": 1, "latency": 2}', ['loss', 'latency'])).toEqual({
      kind: 'intermediate',
      step: 2,
      fold: 1,
      values: [1, 2],
    });
  });
});

describe('bounded input', () => {
  it('drops a line longer than the limit whole and keeps reading after it', () => {
    const lines: number[] = [];
    const s = new LineSplitter((l) => lines.push(l.length), 1000);
    s.push(Buffer.alloc(600, 97));
    s.push(Buffer.alloc(600, 97));
    s.push(Buffer.from('\nok\n'));
    s.end();
    expect(lines).toEqual([2]);
    expect(s.oversized).toBe(1);
  });

  it('a 10 MB line without newline, binary data and invalid UTF-8 do not hide the result', () => {
    const bin = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0x0a]);
    const big = Buffer.alloc(10 * 1024 * 1024, 120);
    const chunks: Buffer[] = [bin, Buffer.from('\n'), bad, Buffer.from('dials: {"loss": 0.5}\n')];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
    const { final, stats } = readAll(chunks);
    expect(final).toEqual([0.5]);
    expect(stats.oversized).toBe(1);
    expect(MAX_LINE_BYTES).toBeLessThan(big.length);
  });

  it('10^5 lines are read in order; duplicates of a step keep the reader deterministic', () => {
    let text = '';
    for (let i = 0; i < 100_000; i++) text += i % 1000 === 0 ? `dials: {"step": ${i / 1000}, "loss": ${i}}\n` : `line ${i}\n`;
    text += 'dials: {"step": 0, "loss": -5}\n';
    const a = readAll([text]);
    const b = readAll([text.slice(0, 777_777), text.slice(777_777)]);
    expect(a.steps.length).toBe(101);
    expect(a).toEqual(b);
  });

  it('the log tail keeps the last 64 KiB with a marker, and replaces NUL and invalid UTF-8', () => {
    const t = new OutputTail(64 * 1024);
    for (let i = 0; i < 100; i++) t.push(Buffer.alloc(10_000, 98));
    t.push(Buffer.from([0, 0xff, 10]));
    const s = t.text();
    expect(t.total).toBe(1_000_003);
    expect(s.startsWith(`[dials: ${1_000_003 - 65536} earlier bytes not kept]\n`)).toBe(true);
    expect(s.endsWith('\uFFFD\uFFFD\n')).toBe(true);
    expect(s.includes('\u0000')).toBe(false);
  });
});
