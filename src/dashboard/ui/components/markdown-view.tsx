/** Renders parsed Markdown as React elements: every string is a text node, never HTML. */
import { Fragment, type ReactNode } from 'react';
import { type MdBlock, type MdInline, parseMarkdown } from '../markdown.js';

function inline(nodes: readonly MdInline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.kind) {
      case 'text':
        return <Fragment key={i}>{n.text}</Fragment>;
      case 'code':
        return <code key={i}>{n.text}</code>;
      case 'em':
        return <em key={i}>{inline(n.children)}</em>;
      case 'strong':
        return <strong key={i}>{inline(n.children)}</strong>;
      case 'br':
        return <br key={i} />;
      case 'link':
        return (
          <a key={i} href={n.href} rel="noopener noreferrer nofollow" target={n.href.startsWith('#') ? undefined : '_blank'}>
            {inline(n.children)}
          </a>
        );
    }
    return null;
  });
}

function block(b: MdBlock, i: number): ReactNode {
  switch (b.kind) {
    case 'heading': {
      const H = `h${Math.min(6, b.level + 2)}` as 'h3';
      return <H key={i}>{inline(b.children)}</H>;
    }
    case 'paragraph':
      return <p key={i}>{inline(b.children)}</p>;
    case 'code':
      return (
        <pre key={i}>
          <code>{b.text}</code>
        </pre>
      );
    case 'list':
      return b.ordered ? (
        <ol key={i} start={b.start}>
          {b.items.map((it, j) => (
            <li key={j}>{inline(it)}</li>
          ))}
        </ol>
      ) : (
        <ul key={i}>
          {b.items.map((it, j) => (
            <li key={j}>{inline(it)}</li>
          ))}
        </ul>
      );
    case 'quote':
      return <blockquote key={i}>{b.children.map(block)}</blockquote>;
    case 'hr':
      return <hr key={i} />;
  }
  return null;
}

export function MarkdownView({ source }: { readonly source: string }) {
  return <div className="markdown">{parseMarkdown(source).map(block)}</div>;
}
