/**
 * RELIABILITY D1–D5 and D7–D10 against the real server over real HTTP (raw
 * sockets where fetch would rewrite the request). The route table comes from
 * API_ROUTES, so a new route is covered automatically.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, ApiClient } from '../../src/dashboard/api.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server/start.js';
import { createStudy, RandomSampler } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-dash-sec-'));
const dbPath = join(dir, 'sec.db');
const url = `sqlite:${dbPath}`;
const TOKEN = 's3cret-token-for-tests';
const logs: string[] = [];
let d: Dashboard;
let open: Dashboard;
let base: string;
let studyId = 0;

/** One raw HTTP/1.1 exchange, so Host, Origin and the path go out exactly as written. */
function raw(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (c) => {
      data += c;
    });
    s.on('error', reject);
    s.on('end', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head.toLowerCase(), body: rest.join('\r\n\r\n') });
    });
    s.write(request);
  });
}

const get = (port: number, path: string, extra = '') => raw(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extra}\r\n`);

function concrete(path: string): string {
  return path.replace(':studyId', String(studyId)).replace(':number', '0').replace(':kind', 'history');
}

beforeAll(async () => {
  const s = await createStudy({ studyName: 'sec', storage: url, sampler: new RandomSampler({ seed: 1 }) });
  await s.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5 });
  studyId = s.studyId;
  await s.close();
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>ui</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(ui, 'assets', 'leak.js'));
  symlinkSync(dir, join(ui, 'up'));
  d = await startDashboard({ storage: url, port: 0, token: TOKEN, uiDir: ui, log: (l) => logs.push(l), headersTimeoutMs: 500, requestTimeoutMs: 2000 });
  open = await startDashboard({ storage: url, port: 0, uiDir: ui, log: (l) => logs.push(l) });
  base = d.url.replace(/\/$/, '');
}, 30_000);

afterAll(async () => {
  await d?.close();
  await open?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('D1: bind address', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect((d.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('refuses a non-loopback address without a token unless insecure', async () => {
    await expect(startDashboard({ storage: url, host: '0.0.0.0', port: 0, uiDir: null })).rejects.toThrow(/--token/);
    const ok = await startDashboard({ storage: url, host: '0.0.0.0', port: 0, uiDir: null, insecure: true, log: () => {} });
    expect((ok.server.address() as { address: string }).address).toBe('0.0.0.0');
    await ok.close();
    const tok = await startDashboard({ storage: url, host: '0.0.0.0', port: 0, uiDir: null, token: TOKEN, log: () => {} });
    expect((await fetch(`http://127.0.0.1:${tok.port}/api/studies`)).status).toBe(401);
    await tok.close();
  });
});

describe('D2: token', () => {
  it('every /api route answers 401 without the token, with a wrong one, and with one in the URL', async () => {
    for (const r of API_ROUTES) {
      if (r.path === '/api/session') continue;
      const p = `${base}${concrete(r.path)}`;
      const init = (headers: Record<string, string>) => ({
        method: r.method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(r.method === 'GET' ? {} : { body: '{}' }),
      });
      expect((await fetch(p, init({}))).status, `${r.method} ${r.path}`).toBe(401);
      expect((await fetch(p, init({ authorization: 'Bearer wrong-token-123' }))).status).toBe(401);
      expect((await fetch(`${p}?token=${TOKEN}`, init({}))).status).toBe(401);
      expect((await fetch(p, init({ cookie: 'dials_token=nope' }))).status).toBe(401);
    }
  });

  it('accepts the header, and the HttpOnly SameSite=Strict cookie that POST /api/session sets', async () => {
    expect((await fetch(`${base}/api/studies`, { headers: auth })).status).toBe(200);
    const login = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const c = cookie.split(';')[0] as string;
    expect((await fetch(`${base}/api/studies`, { headers: { cookie: c } })).status).toBe(200);
    const bad = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'wrong-token-123' }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(await new ApiClient(fetch, { baseUrl: base }).session()).toMatchObject({ tokenRequired: true, authenticated: false });
  });

  it('never writes the token to the log', () => {
    expect(logs.join('\n')).not.toContain(TOKEN);
  });
});

describe('D3: DNS rebinding', () => {
  it('answers 421 to a foreign Host header, on every route and the page', async () => {
    for (const path of ['/', '/api/session', `/api/studies/${studyId}`, '/assets/app.js']) {
      const r = await raw(open.port, `GET ${path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
      expect(r.status, path).toBe(421);
      const r2 = await raw(open.port, `GET ${path} HTTP/1.1\r\nHost: evil.example:${open.port}\r\nConnection: close\r\n\r\n`);
      expect(r2.status).toBe(421);
    }
    expect((await get(open.port, '/api/studies')).status).toBe(200);
    const local = await raw(open.port, `GET /api/studies HTTP/1.1\r\nHost: localhost:${open.port}\r\nConnection: close\r\n\r\n`);
    expect(local.status).toBe(200);
  });
});

describe('D4: CSRF and CORS', () => {
  const note = () => `/api/studies/${studyId}/note`;
  it('refuses mutations sent as a form, as text/plain, from a foreign Origin, or cross-site', async () => {
    const p = open.port;
    const h = `Host: 127.0.0.1:${p}\r\nConnection: close\r\n`;
    const body = JSON.stringify({ markdown: 'pwned', version: 0 });
    const cases: [string, number][] = [
      [`PUT ${note()} HTTP/1.1\r\n${h}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nmarkdown=`, 415],
      [`PUT ${note()} HTTP/1.1\r\n${h}Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 415],
      [`PUT ${note()} HTTP/1.1\r\n${h}Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 0\r\n\r\n`, 415],
      [`PUT ${note()} HTTP/1.1\r\n${h}Origin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 403],
      [`PUT ${note()} HTTP/1.1\r\n${h}Origin: null\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 403],
      [`PUT ${note()} HTTP/1.1\r\n${h}Sec-Fetch-Site: cross-site\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 403],
      [`POST /api/session HTTP/1.1\r\n${h}Origin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"token":1}`, 403],
    ];
    for (const [req, status] of cases) {
      const r = await raw(p, req);
      expect(r.status, req.split('\r\n')[0]).toBe(status);
      expect(r.headers).not.toContain('access-control-allow-origin');
    }
    const pre = await raw(
      p,
      `OPTIONS ${note()} HTTP/1.1\r\n${h}Origin: http://evil.example\r\nAccess-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: content-type\r\n\r\n`,
    );
    expect(pre.status).toBe(403);
    expect(pre.headers).not.toContain('access-control-allow');
    // Nothing was written.
    expect(((await (await fetch(`${open.url}api/studies/${studyId}/note`)).json()) as { markdown: string }).markdown).toBe('');
    // The page's own request goes through.
    const own = await raw(
      p,
      `PUT ${note()} HTTP/1.1\r\n${h}Origin: http://127.0.0.1:${p}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(own.status).toBe(200);
  });

  it('sends no Access-Control-Allow-Origin on any route, even when asked', async () => {
    for (const r of API_ROUTES.filter((x) => x.method === 'GET' && x.path !== '/api/events')) {
      const res = await fetch(`${open.url.replace(/\/$/, '')}${concrete(r.path)}`, { headers: { origin: 'http://evil.example' } });
      expect(res.headers.get('access-control-allow-origin'), r.path).toBeNull();
    }
  });
});

const PAYLOADS = [
  "' OR 1=1 --",
  '1; DROP TABLE dials_trials; --',
  '" OR ""="',
  "x') UNION SELECT name, sql FROM sqlite_master --",
  '%27%20OR%201%3D1',
  '\\',
  '$1',
  '?',
  '1e309',
  '-1',
  '99999999999999999999',
  'NaN',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '../../etc/passwd',
];

describe('D5: SQL injection', () => {
  it('answers every payload in every string input with 4xx or 200, never 500, and never an SQL message', async () => {
    const bodies: string[] = [];
    const b = open.url.replace(/\/$/, '');
    for (const p of PAYLOADS) {
      const e = encodeURIComponent(p);
      const urls = [
        `/api/studies/${e}`,
        `/api/studies/${studyId}/trials/${e}`,
        `/api/studies/${studyId}/trials?sort=${e}`,
        `/api/studies/${studyId}/trials?sort=params.${e}`,
        `/api/studies/${studyId}/trials?order=${e}`,
        `/api/studies/${studyId}/trials?offset=${e}&limit=${e}`,
        `/api/studies/${studyId}/trials?filter=${e}`,
        `/api/studies/${studyId}/trials?filter=${encodeURIComponent(`params.x:eq:${p}`)}`,
        `/api/studies/${studyId}/trials?filter=${encodeURIComponent(`state:in:${p}`)}`,
        `/api/studies/${studyId}/trials?filter=${encodeURIComponent(`${p}:lt:1`)}`,
        `/api/studies/${studyId}/plot-data/${e}`,
        `/api/studies/${studyId}/plot-data/params?params=${e}`,
        `/api/studies/${studyId}/plot-data/history?objective=${e}&maxPoints=${e}`,
        `/api/studies/${studyId}/importance?evaluator=${e}`,
        `/api/studies/${studyId}/export?format=${e}`,
        `/api/events?study=${e}`,
      ];
      for (const u of urls) {
        const r = await fetch(b + u);
        const text = await r.text();
        bodies.push(text);
        expect(r.status, u).toBeLessThan(500);
        if (r.status >= 400) expect(text).toMatch(/^\{"error":\{"code":"[A-Z_]+","message":/);
      }
      const put = await fetch(`${b}/api/studies/${studyId}/note`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ markdown: p, version: p }),
      });
      expect(put.status).toBe(400);
    }
    const all = bodies.join('\n');
    expect(all).not.toMatch(/SQLITE_|SqliteError|syntax error|no such (table|column)|unrecognized token/);
    // The storage is intact.
    expect(((await (await fetch(`${b}/api/studies/${studyId}/trials`)).json()) as { total: number }).total).toBe(5);
  }, 60_000);

  it('builds no SQL from interpolated request values (lint over the server sources)', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const srcDir = new URL('../../src/dashboard/server/', import.meta.url);
    for (const f of readdirSync(srcDir).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))) {
      const text = readFileSync(new URL(f, srcDir), 'utf8');
      // Every template literal that looks like SQL may interpolate only fixed fragments (where, join, placeholders).
      for (const m of text.matchAll(/`(SELECT|INSERT|UPDATE|DELETE)[^`]*`/g)) {
        for (const x of m[0].matchAll(/\$\{([^}]*)\}/g))
          expect(
            [
              'where',
              'join',
              'placeholders(numbers.length)',
              'placeholders(ids.length)',
              'placeholders(asRows.length)',
              'REPORT_COLUMNS',
              'paramColumns(columns.length)',
            ],
            `${f}: ${x[0]}`,
          ).toContain(x[1]);
      }
    }
  });
});

describe('D7: path traversal', () => {
  it('serves only allowlisted files: ../, encodings, backslash, absolute paths, NUL and symlinks give 400 or 404', async () => {
    const bad = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/%252e%252e%252fsecret.txt',
      '/..%5csecret.txt',
      '/assets%5c..%5c..%5csecret.txt',
      '/%2fetc%2fpasswd',
      '//etc/passwd',
      '/C:%5cWindows%5cwin.ini',
      '/index.html%00.js',
      '/%00',
      '/assets/leak.js',
      '/up/secret.txt',
      '/up/ui/index.html',
      '/secret.txt',
    ];
    for (const p of bad) {
      const r = await get(open.port, p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body).not.toContain('TOP SECRET');
    }
    const ok = await get(open.port, '/assets/app.js');
    expect(ok.status).toBe(200);
    expect(ok.headers).toContain('content-type: text/javascript');
    expect((await get(open.port, '/studies/1')).body).toContain('<title>ui</title>');
  });
});

describe('D6 (server side): headers of every response', () => {
  it('sets a CSP without inline scripts, nosniff and frame-ancestors none', async () => {
    for (const p of ['/', '/api/studies', '/nope.js', '/api/nope']) {
      const r = await fetch(open.url.replace(/\/$/, '') + p);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('D8: robustness', () => {
  it('answers 413 to a 2 MB body and 400 to malformed JSON or wrong types', async () => {
    const b = open.url.replace(/\/$/, '');
    const big = await fetch(`${b}/api/studies/${studyId}/note`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ markdown: 'x'.repeat(2_000_000), version: 0 }),
    });
    expect(big.status).toBe(413);
    for (const body of ['{', '[]', 'null', '{"markdown": 1, "version": 0}', '{"markdown": "a", "version": "0"}', '{"markdown": "a", "version": -1}', '"str"']) {
      const r = await fetch(`${b}/api/studies/${studyId}/note`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      expect(r.status, body).toBe(400);
    }
  });

  it('answers 1,000 concurrent requests and survives clients that hang up or send garbage', async () => {
    const b = open.url.replace(/\/$/, '');
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => fetch(`${b}/api/studies/${studyId}/trials?offset=${i % 5}&limit=2`).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const garbage = await raw(open.port, 'BLAH\r\n\r\n');
    expect(garbage.status).toBe(400);
    const s = connect(open.port, '127.0.0.1');
    s.on('error', () => {});
    s.write('GET /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    s.destroy();
    expect((await fetch(`${b}/api/studies`)).status).toBe(200);
  }, 60_000);

  it('closes a client that sends its headers too slowly', async () => {
    const slow = await startDashboard({ storage: url, port: 0, uiDir: null, log: () => {}, headersTimeoutMs: 500, requestTimeoutMs: 2000 });
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const s = connect(slow.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => resolve(Date.now() - started));
      s.write('GET /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const drip = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
      s.on('close', () => clearInterval(drip));
      setTimeout(() => s.destroy(), 10_000);
    });
    expect(closed).toBeLessThan(5000);
    expect((await fetch(`${slow.url}api/studies`)).status).toBe(200);
    await slow.close();
  });
});

describe('D9 and D10: exports and errors', () => {
  it('names the download with RFC 6266 filename* and strips control characters', async () => {
    const s = await createStudy({ studyName: 'evil\r\nSet-Cookie: x=1\u0007 é "q".csv', storage: url, sampler: new RandomSampler({ seed: 1 }) });
    await s.optimize(
      (t) => {
        t.setUserAttr('note', '=HYPERLINK("http://evil.example")');
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 2 },
    );
    const r = await fetch(`${open.url}api/studies/${s.studyId}/export?format=csv`);
    const cd = r.headers.get('content-disposition') ?? '';
    expect(cd).toMatch(/^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''/);
    expect(cd).toContain("filename*=UTF-8''evilSet-Cookie%3A%20x%3D1%20%C3%A9%20%22q%22.csv.csv");
    expect(r.headers.get('set-cookie')).toBeNull();
    const csv = await r.text();
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    await s.close();
  });

  it('answers a storage failure with a generic message: no stack, SQL, path or connection string', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'dials-dash-gone-'));
    const p2 = join(dir2, 'gone.db');
    const s = await createStudy({ studyName: 'g', storage: `sqlite:${p2}` });
    await s.close();
    const g = await startDashboard({ storage: `sqlite:${p2}`, port: 0, uiDir: null, log: () => {} });
    // Break the file under the running dashboard.
    writeFileSync(p2, Buffer.alloc(8192, 7));
    rmSync(`${p2}-wal`, { force: true });
    rmSync(`${p2}-shm`, { force: true });
    const r = await fetch(`${g.url}api/studies`);
    const text = await r.text();
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(text).not.toContain(p2);
    expect(text).not.toMatch(/\n\s+at |SELECT|sqlite:|SQLITE_/);
    await g.close().catch(() => {});
    rmSync(dir2, { recursive: true, force: true });
    const pg = await startDashboard({ storage: 'postgresql://user:pw-secret-9@127.0.0.1:1/x', port: 0, uiDir: null }).catch((e: unknown) => e);
    expect(String((pg as Error).message)).not.toContain('pw-secret-9');
  });
});
