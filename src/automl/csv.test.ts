import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { frameFromRecords, parseCsv, readCsvText } from './csv.js';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with separators, doubled quotes and line breaks, CRLF or LF', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
    ]);
  });
  it('ignores a byte-order mark and blank lines, and keeps a last line without a newline', () => {
    expect(parseCsv('\ufeffa,b\n\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
  it('rejects an unclosed quote and a quote inside an unquoted field', () => {
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow(/never closed/);
    expect(() => parseCsv('a,b\n1,x"y\n')).toThrow(/quote inside an unquoted field/);
  });
});

describe('readCsvText', () => {
  it('infers numeric and categorical columns, with missing values', () => {
    const f = readCsvText('n,c,m\n1.5,red,\n2,NA,3\n,blue,?\n');
    expect(f.kinds).toEqual(['numeric', 'categorical', 'numeric']);
    expect(Array.from(f.columns[0] as Float64Array)).toEqual([1.5, 2, Number.NaN]);
    expect(f.columns[1]).toEqual(['red', null, 'blue']);
    expect(Array.from(f.columns[2] as Float64Array)).toEqual([Number.NaN, 3, Number.NaN]);
  });
  it('says what is wrong with an empty file, a header alone, a ragged row or a duplicate column', () => {
    expect(() => readCsvText('', 'empty.csv')).toThrow(/empty.csv is empty/);
    expect(() => readCsvText('a,b\n', 'h.csv')).toThrow(/no data rows/);
    expect(() => readCsvText('a,b\n1,2,3\n', 'r.csv')).toThrow(/row 2 has 3 fields but the header has 2/);
    expect(() => readCsvText('a,a\n1,2\n')).toThrow(InvalidArgumentError);
  });
  it('builds the same frame from records', () => {
    const f = frameFromRecords([
      { x: 1, s: 'a' },
      { x: null, s: 'b' },
    ]);
    expect(f.kinds).toEqual(['numeric', 'categorical']);
    expect(Number.isNaN((f.columns[0] as Float64Array)[1] as number)).toBe(true);
  });
});
