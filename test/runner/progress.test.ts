/** Progress output: plain lines when not a terminal, a cli-progress bar on one. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/runner/progress.js';

function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return {
    stream: Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream,
    text: () => out,
  };
}

describe('progress', () => {
  it('writes one plain line per finished trial when not a terminal, with control characters from user strings neutralized', () => {
    const { stream, text } = sink(false);
    const p = createProgress('auto', stream);
    p.trialEnded('trial 3 loss=0.5\u001b[2J', { done: 4, total: 10, best: 'loss=0.25 (#1)', leftMs: 61_000 });
    p.note('interrupted');
    p.stop();
    expect(text()).toBe('dials: trial 3 loss=0.5?[2J · 4/10 done · best loss=0.25 (#1) · 1m01s left\ndials: interrupted\n');
  });

  it('draws a bar with trials done, best so far and time left on a terminal', () => {
    const { stream, text } = sink(true);
    const p = createProgress('auto', stream);
    p.trialEnded('trial 0 loss=1', { done: 1, total: 4, best: 'loss=1 (#0)', leftMs: 30_000 });
    p.trialEnded('trial 1 loss=0.5', { done: 2, total: 4, best: 'loss=0.5 (#1)', leftMs: 20_000 });
    p.stop();
    expect(text()).toContain('2/4 trials | best loss=0.5 (#1) | 20s left');
  });
});
