import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from '../../src/dashboard/ui/markdown.js';

describe('note Markdown parser', () => {
  it('parses headings, lists, code, quotes and rules into a tree', () => {
    const md = '# Title\n\nSome *em* and **strong** and `code`.\n\n- a\n- b\n\n1. one\n2. two\n\n```ts\nconst x = 1 < 2;\n```\n\n> quoted\n\n---';
    expect(parseMarkdown(md)).toEqual([
      { kind: 'heading', level: 1, children: [{ kind: 'text', text: 'Title' }] },
      {
        kind: 'paragraph',
        children: [
          { kind: 'text', text: 'Some ' },
          { kind: 'em', children: [{ kind: 'text', text: 'em' }] },
          { kind: 'text', text: ' and ' },
          { kind: 'strong', children: [{ kind: 'text', text: 'strong' }] },
          { kind: 'text', text: ' and ' },
          { kind: 'code', text: 'code' },
          { kind: 'text', text: '.' },
        ],
      },
      { kind: 'list', ordered: false, start: 1, items: [[{ kind: 'text', text: 'a' }], [{ kind: 'text', text: 'b' }]] },
      { kind: 'list', ordered: true, start: 1, items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two' }]] },
      { kind: 'code', lang: 'ts', text: 'const x = 1 < 2;' },
      { kind: 'quote', children: [{ kind: 'paragraph', children: [{ kind: 'text', text: 'quoted' }] }] },
      { kind: 'hr' },
    ]);
  });

  it('keeps raw HTML as literal text', () => {
    const blocks = parseMarkdown('<img src=x onerror=alert(1)> "><svg onload=alert(2)>');
    expect(blocks).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '<img src=x onerror=alert(1)> "><svg onload=alert(2)>' }] }]);
  });

  it('links only http, https, mailto and in-page anchors; javascript: and data: become text', () => {
    expect(parseInline('[ok](https://example.com/a?b=1)')).toEqual([
      { kind: 'link', href: 'https://example.com/a?b=1', children: [{ kind: 'text', text: 'ok' }] },
    ]);
    expect(parseInline('[x](javascript:alert(1))')).toEqual([
      { kind: 'text', text: 'x' },
      { kind: 'text', text: ')' },
    ]);
    expect(parseInline('[x](JaVaScRiPt:alert`1`)')).toEqual([{ kind: 'text', text: 'x' }]);
    expect(parseInline('[x](data:text/html,<script>alert(1)</script>)').some((n) => n.kind === 'link')).toBe(false);
    expect(parseInline('<javascript:alert(1)>').some((n) => n.kind === 'link')).toBe(false);
    for (const bad of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'vbscript:x',
      'data:text/html,x',
      '//evil.example',
      'https://a\nb',
      'file:///etc/passwd',
    ]) {
      expect(safeHref(bad), bad).toBeNull();
    }
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('#/studies/1')).toBe('#/studies/1');
  });

  it('handles escapes, hard breaks and unclosed markup as text', () => {
    expect(parseInline('a\\*b\\* c**d')).toEqual([{ kind: 'text', text: 'a*b* c**d' }]);
    expect(parseInline('line one  \nline two')).toEqual([{ kind: 'text', text: 'line one' }, { kind: 'br' }, { kind: 'text', text: 'line two' }]);
    expect(parseInline('`never closed')).toEqual([{ kind: 'text', text: '`never closed' }]);
    expect(parseInline('snake_case_name and window.__x = a.__y')).toEqual([{ kind: 'text', text: 'snake_case_name and window.__x = a.__y' }]);
    expect(parseInline('__bold__ and _em_')).toEqual([
      { kind: 'strong', children: [{ kind: 'text', text: 'bold' }] },
      { kind: 'text', text: ' and ' },
      { kind: 'em', children: [{ kind: 'text', text: 'em' }] },
    ]);
  });
});
