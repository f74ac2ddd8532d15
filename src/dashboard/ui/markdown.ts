/**
 * A small Markdown parser for study notes. It produces a tree, never HTML:
 * raw HTML in a note stays literal text, and a link keeps its target only when
 * the scheme is http, https or mailto (or it is an in-page `#` anchor), so
 * `javascript:` and `data:` links are rendered as plain text.
 *
 * Supported: ATX headings, paragraphs, fenced and indented code, `-`/`*`/`+`
 * and `1.` lists (one level), block quotes, horizontal rules, `*em*`,
 * `**strong**`, `` `code` ``, `[text](url)`, autolinks `<https://…>` and hard
 * line breaks (two trailing spaces or a backslash).
 */

export type MdInline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'em'; readonly children: readonly MdInline[] }
  | { readonly kind: 'strong'; readonly children: readonly MdInline[] }
  | { readonly kind: 'link'; readonly href: string; readonly children: readonly MdInline[] }
  | { readonly kind: 'br' };

export type MdBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3 | 4 | 5 | 6; readonly children: readonly MdInline[] }
  | { readonly kind: 'paragraph'; readonly children: readonly MdInline[] }
  | { readonly kind: 'code'; readonly lang: string; readonly text: string }
  | { readonly kind: 'list'; readonly ordered: boolean; readonly start: number; readonly items: readonly (readonly MdInline[])[] }
  | { readonly kind: 'quote'; readonly children: readonly MdBlock[] }
  | { readonly kind: 'hr' };

/** The link target if it is safe to render as a link, else null. */
export function safeHref(raw: string): string | null {
  const url = raw.trim();
  if (url.startsWith('#')) return url;
  // The scheme must be spelled out at the very start: browsers drop tabs and
  // newlines inside a scheme ("java\tscript:"), so nothing else is trusted.
  return /^(https?:\/\/|mailto:)/i.test(url) && !/[\u0000-\u001f\u007f]/.test(url) ? url : null;
}

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const ORDERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const INDENTED = /^(?: {4}|\t)(.*)$/;

/** Parses Markdown into blocks. Never throws; unknown syntax stays text. */
export function parseMarkdown(source: string): MdBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  return parseBlocks(lines);
}

function parseBlocks(lines: readonly string[]): MdBlock[] {
  const out: MdBlock[] = [];
  let i = 0;
  const blank = (s: string | undefined) => s === undefined || s.trim() === '';
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) body.push(lines[i++]!);
      i++; // closing fence (or end of input)
      out.push({ kind: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push({ kind: 'heading', level: heading[1]!.length as 1 | 2 | 3 | 4 | 5 | 6, children: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push({ kind: 'hr' });
      i++;
      continue;
    }
    if (INDENTED.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (INDENTED.test(lines[i]!) || (blank(lines[i]) && INDENTED.test(lines[i + 1] ?? '')))) {
        body.push(INDENTED.exec(lines[i]!)?.[1] ?? '');
        i++;
      }
      out.push({ kind: 'code', lang: '', text: body.join('\n') });
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) body.push(QUOTE.exec(lines[i++]!)![1]!);
      out.push({ kind: 'quote', children: parseBlocks(body) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (bullet || ordered) {
      const isOrdered = !bullet;
      const re = isOrdered ? ORDERED : BULLET;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = re.exec(l);
        if (m) {
          items.push([isOrdered ? m[2]! : m[1]!]);
        } else if (!blank(l) && /^[ \t]+\S/.test(l) && items.length > 0) {
          items[items.length - 1]!.push(l.trim()); // continuation line
        } else {
          break;
        }
        i++;
      }
      out.push({ kind: 'list', ordered: isOrdered, start: isOrdered ? Number(ordered![1]) : 1, items: items.map((it) => parseInline(it.join('\n'))) });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !blank(lines[i]) && (para.length === 0 || !startsBlock(lines[i]!))) para.push(lines[i++]!);
    out.push({ kind: 'paragraph', children: parseInline(para.join('\n')) });
  }
  return out;
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || HR.test(line) || QUOTE.test(line) || BULLET.test(line) || ORDERED.test(line);
}

const ESCAPABLE = '\\`*_{}[]()#+-.!<>~|';

/** Parses inline Markdown. Anything that does not close stays literal text. */
export function parseInline(src: string): MdInline[] {
  const out: MdInline[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') out.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const next = src[i + 1]!;
      if (next === '\n') {
        flush();
        out.push({ kind: 'br' });
        i += 2;
        continue;
      }
      if (ESCAPABLE.includes(next)) {
        text += next;
        i += 2;
        continue;
      }
    }
    if (c === '\n') {
      if (text.endsWith('  ')) {
        text = text.replace(/ +$/, '');
        flush();
        out.push({ kind: 'br' });
      } else {
        text = text.replace(/ +$/, '') + ' ';
      }
      i++;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (src[i + n] === '`') n++;
      const ticks = '`'.repeat(n);
      const end = src.indexOf(ticks, i + n);
      if (end > 0) {
        flush();
        out.push({ kind: 'code', text: src.slice(i + n, end).replace(/\n/g, ' ') });
        i = end + n;
        continue;
      }
      text += ticks;
      i += n;
      continue;
    }
    if ((c === '*' || c === '_') && src[i + 1] === c && (c === '*' || !WORD.test(src[i - 1] ?? ''))) {
      const end = closing(src, c + c, i + 2);
      if (end > i + 2) {
        flush();
        out.push({ kind: 'strong', children: parseInline(src.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if ((c === '*' || c === '_') && (c === '*' || !WORD.test(src[i - 1] ?? ''))) {
      const end = closing(src, c, i + 1);
      if (end > i + 1 && src[i + 1] !== ' ' && src[end + 1] !== c) {
        flush();
        out.push({ kind: 'em', children: parseInline(src.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (c === '[') {
      const close = findClosingBracket(src, i);
      if (close > 0 && src[close + 1] === '(') {
        const end = src.indexOf(')', close + 2);
        if (end > 0) {
          const target =
            src
              .slice(close + 2, end)
              .trim()
              .split(/\s+/)[0] ?? '';
          const children = parseInline(src.slice(i + 1, close));
          const href = safeHref(target.replace(/^<|>$/g, ''));
          flush();
          if (href === null) out.push(...children);
          else out.push({ kind: 'link', href, children });
          i = end + 1;
          continue;
        }
      }
    }
    if (c === '<') {
      const m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(src.slice(i));
      if (m) {
        const href = safeHref(m[1]!);
        flush();
        out.push(href === null ? { kind: 'text', text: m[1]! } : { kind: 'link', href, children: [{ kind: 'text', text: m[1]! }] });
        i += m[0].length;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

const WORD = /[\p{L}\p{N}]/u;

/**
 * Where the delimiter run `delim` closes, from `from`: an underscore run must
 * not sit inside a word (`snake_case_name` stays text), as in CommonMark.
 */
function closing(src: string, delim: string, from: number): number {
  for (let at = src.indexOf(delim, from); at >= 0; at = src.indexOf(delim, at + 1)) {
    if (delim[0] !== '_' || !WORD.test(src[at + delim.length] ?? '')) return at;
  }
  return -1;
}

function findClosingBracket(src: string, open: number): number {
  let depth = 0;
  for (let j = open; j < src.length; j++) {
    const ch = src[j];
    if (ch === '\\') j++;
    else if (ch === '[') depth++;
    else if (ch === ']' && --depth === 0) return j;
  }
  return -1;
}
