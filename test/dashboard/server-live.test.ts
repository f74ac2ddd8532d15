/**
 * Live updates and the reader that never blocks a writer: server-sent events
 * driven by the storage's change cursor show trials finished by other
 * processes, a reconnect catches up from Last-Event-ID, and worker processes
 * writing the same SQLite file while every read route is polled see zero
 * errors (RELIABILITY A7, at test scale; the benchmark runs it at 100k trials).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, parseSseEvent, type SseEvent } from '../../src/dashboard/api.js';
import { startDashboard } from '../../src/dashboard/server/start.js';
import { createStudy, RandomSampler } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-dash-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WORKER = new URL('./server-live-worker.ts', import.meta.url).pathname;

interface WorkerRun {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly done: Promise<number>;
  /** Resolves with the first line matching. */
  waitFor(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function runWorker(options: Record<string, unknown>): WorkerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (b) => {
    stderr += String(b);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const l = JSON.parse(text) as Record<string, unknown>;
    lines.push(l);
    for (const w of waiters.splice(0)) {
      if (w.pred(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  const done = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(stderr);
      resolve(code ?? -1);
    }),
  );
  return {
    child,
    lines,
    done,
    waitFor: (pred) => {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** Reads an SSE stream into events, in order. */
async function openEvents(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: { id: string | null; event: SseEvent }[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          const id =
            block
              .split('\n')
              .find((l) => l.startsWith('id:'))
              ?.slice(3)
              .trim() ?? null;
          if (data) {
            events.push({ id, event: parseSseEvent(data) });
            for (const w of waiters.splice(0)) w();
          }
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  const until = async (pred: (e: SseEvent) => boolean): Promise<{ id: string | null; event: SseEvent }> => {
    for (;;) {
      const hit = events.find((e) => pred(e.event));
      if (hit) return hit;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { events, until, close: () => ac.abort() };
}

describe('live updates', () => {
  it('streams a trial finished by another process, and a reconnect catches up from Last-Event-ID', async () => {
    const url = `sqlite:${join(dir, 'sse.db')}`;
    const s = await createStudy({ studyName: 'live', storage: url, sampler: new RandomSampler({ seed: 1 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    try {
      const es = await openEvents(`${d.url}api/events?study=${s.studyId}`);
      const hello = await es.until((e) => e.type === 'hello');
      expect(hello.id).toBe(hello.event.cursor);
      const w = runWorker({ storage: url, studyName: 'live', nTrials: 2, seed: 9, reports: 3 });
      const first = await w.waitFor((l) => l.number === 3);
      expect(first.state).toBe('COMPLETE');
      const ev = await es.until((e) => e.type === 'trials' && e.trials.some((t) => t.number === 3 && t.state === 'COMPLETE'));
      if (ev.event.type !== 'trials') throw new Error('unreachable');
      const row = ev.event.trials.find((t) => t.number === 3);
      expect(row?.params).toHaveProperty('x');
      expect(row?.lastStep).toBe(2);
      expect(await w.done).toBe(0);
      await es.until((e) => e.type === 'trials' && e.trials.some((t) => t.number === 4 && t.state === 'COMPLETE'));
      const lastId = es.events[es.events.length - 1]?.id as string;
      es.close();

      // Offline: two more trials; the reconnect gets them at once.
      const w2 = runWorker({ storage: url, studyName: 'live', nTrials: 2, seed: 10, reports: 0 });
      expect(await w2.done).toBe(0);
      const again = await openEvents(`${d.url}api/events?study=${s.studyId}`, { 'last-event-id': lastId });
      const caught = await again.until((e) => e.type === 'trials' && e.trials.some((t) => t.number === 6));
      if (caught.event.type !== 'trials') throw new Error('unreachable');
      expect(caught.event.trials.map((t) => t.number).sort()).toEqual(expect.arrayContaining([5, 6]));
      again.close();
      const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
      expect((await api.trials(s.studyId)).total).toBe(7);
    } finally {
      await d.close();
      await s.close();
    }
  }, 60_000);

  it('a page refetching right after a trials event gets the new trial, and the stream nudges once more after the stale window', async () => {
    const url = `sqlite:${join(dir, 'nudge.db')}`;
    const s = await createStudy({ studyName: 'nudge', storage: url, sampler: new RandomSampler({ seed: 2 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    try {
      const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
      // The sorted table is computed (and remembered) before the change.
      expect((await api.trials(s.studyId)).total).toBe(3);
      const es = await openEvents(`${d.url}api/events?study=${s.studyId}`);
      await es.until((e) => e.type === 'hello');
      const running = await s.ask();
      await es.until((e) => e.type === 'trials' && e.trials.some((t) => t.number === running.number && t.state === 'RUNNING'));
      const at = es.events.length;
      // A small study's table is cheap: never served stale, so the refetch the event triggers sees the trial.
      const page = await api.trials(s.studyId);
      expect(page.total).toBe(4);
      expect(page.trials.find((t) => t.number === running.number)?.state).toBe('RUNNING');
      // A costly result may be reused up to 2 s after a change; the stream then sends one more 'study' event.
      await es.until((e) => e.type === 'study' && es.events.findIndex((x) => x.event === e) >= at);
      es.close();
      await s.tell(running, 0.5);
    } finally {
      await d.close();
      await s.close();
    }
  }, 60_000);

  it('follows the storage while no page is open: trials written meanwhile are read before the next request', async () => {
    const url = `sqlite:${join(dir, 'follow.db')}`;
    const s = await createStudy({ studyName: 'follow', storage: url, sampler: new RandomSampler({ seed: 3 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    try {
      const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
      expect((await api.trials(s.studyId)).total).toBe(3);
      const loader = d.loader as unknown as { queries: number };
      const before = loader.queries;
      // Written with no request and no live stream open.
      await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5 });
      await new Promise((r) => setTimeout(r, 2500));
      const followed = loader.queries;
      expect(followed).toBeGreaterThan(before);
      // The request finds them already read: no trial load of its own.
      expect((await api.trials(s.studyId)).total).toBe(8);
      expect(loader.queries).toBe(followed);
    } finally {
      await d.close();
      await s.close();
    }
  }, 60_000);

  it('the studies list is never older than the last change it saw when it is cheap to recompute', async () => {
    const url = `sqlite:${join(dir, 'summaries.db')}`;
    const s = await createStudy({ studyName: 'summaries', storage: url, sampler: new RandomSampler({ seed: 5 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    try {
      const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
      const complete = async () => (await api.studies()).studies.find((x) => x.studyId === s.studyId)?.stateCounts.COMPLETE;
      expect(await complete()).toBe(3);
      // A trial finishes right after that read (the summaries used to be reused for 250 ms whatever changed).
      await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
      await new Promise((r) => setTimeout(r, 50));
      expect(await complete()).toBe(4);
    } finally {
      await d.close();
      await s.close();
    }
  }, 60_000);

  it('`dials dashboard` serves until SIGTERM, and refuses 0.0.0.0 without a token', async () => {
    const url = `sqlite:${join(dir, 'cli.db')}`;
    const s = await createStudy({ studyName: 'cli', storage: url, sampler: new RandomSampler({ seed: 1 }) });
    await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    await s.close();
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const refused = spawn(process.execPath, ['--import', 'tsx', main, 'dashboard', '--storage', url, '--host', '0.0.0.0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    refused.stderr.on('data', (b) => {
      err += String(b);
    });
    expect(await new Promise((r) => refused.on('exit', r))).toBe(1);
    expect(err).toMatch(/--token/);
    expect(err).not.toMatch(/\n\s+at /);
    const cli = spawn(process.execPath, ['--import', 'tsx', main, 'dashboard', '--storage', url, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: cli.stdout }).once('line', resolve));
    const served = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0] as string;
    expect(served).toBeTruthy();
    const body = (await (await fetch(`${served}api/studies`)).json()) as { studies: { nTrials: number }[] };
    expect(body.studies[0]?.nTrials).toBe(3);
    cli.kill('SIGTERM');
    expect(await new Promise((r) => cli.on('exit', (code) => r(code)))).toBe(0);
  }, 60_000);

  it('rejects a Last-Event-ID that is not a cursor', async () => {
    const d = await startDashboard({ storage: 'memory:live-bad', port: 0, uiDir: null, log: () => {} });
    const r = await fetch(`${d.url}api/events`, { headers: { 'last-event-id': "1' OR 1=1" } });
    expect(r.status).toBe(400);
    await d.close();
  });

  it('never makes a worker wait: 4 processes write while every read route is polled (A7)', async () => {
    const url = `sqlite:${join(dir, 'a7.db')}`;
    const s = await createStudy({ studyName: 'a7', storage: url, sampler: new RandomSampler({ seed: 1 }) });
    const d = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {} });
    const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
    const workers = Array.from({ length: 4 }, (_, i) => runWorker({ storage: url, studyName: 'a7', nTrials: 60, seed: 100 + i, reports: 5 }));
    let polls = 0;
    let failures = 0;
    let running = true;
    const poller = (async () => {
      while (running) {
        const calls = [
          api.studies(),
          api.study(s.studyId),
          api.trials(s.studyId, { sort: 'value', limit: 50 }),
          api.plot(s.studyId, 'history'),
          api.plot(s.studyId, 'params'),
          api.plot(s.studyId, 'intermediate'),
          api.plot(s.studyId, 'timeline'),
          api.plot(s.studyId, 'edf'),
        ];
        for (const r of await Promise.allSettled(calls)) if (r.status === 'rejected') failures++;
        polls++;
      }
    })();
    const codes = await Promise.all(workers.map((w) => w.done));
    running = false;
    await poller;
    try {
      expect(codes).toEqual([0, 0, 0, 0]);
      expect(workers.flatMap((w) => w.lines).filter((l) => 'error' in l)).toEqual([]);
      expect(workers.map((w) => w.lines.find((l) => l.done)?.errors)).toEqual([0, 0, 0, 0]);
      expect(failures).toBe(0);
      expect(polls).toBeGreaterThan(3);
      const trials = await s.getTrials();
      expect(trials).toHaveLength(240);
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      // The dashboard saw them all.
      expect((await api.trials(s.studyId, { filter: [{ key: 'state', op: 'eq', value: 'COMPLETE' }] })).total).toBe(240);
    } finally {
      await d.close();
      await s.close();
    }
  }, 120_000);
});
