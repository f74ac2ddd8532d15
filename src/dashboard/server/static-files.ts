/**
 * The built front end, served from an allowlist made when the server starts:
 * every regular file under the UI folder whose real path stays inside it
 * (a symlink pointing out is left out). A request path is decoded once and
 * looked up in that list; it never reaches the filesystem, so `../`,
 * `%2e%2e`, double encoding, backslashes, absolute paths and NUL all end in
 * 400 or 404 (RELIABILITY D7).
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
  /** Hashed asset names may be cached for long. */
  readonly immutable: boolean;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  map: 'application/json; charset=utf-8',
  wasm: 'application/wasm',
};

/** Shown when no UI was built (tests of the server alone); no script at all. */
export const FALLBACK_INDEX = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dials dashboard</title></head>
<body><h1>Dials dashboard</h1><p>The front end is not built in this copy. Run <code>npm run build</code>; the API answers under /api.</p></body></html>
`;

export type StaticLookup = { kind: 'file'; file: StaticFile } | { kind: 'bad' } | { kind: 'missing' };

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();
  readonly built: boolean;

  constructor(root: string | null) {
    let realRoot: string | null = null;
    try {
      if (root !== null) realRoot = realpathSync(root);
    } catch {
      realRoot = null;
    }
    if (realRoot !== null) this.walk(realRoot, realRoot, 0);
    this.built = this.files.has('index.html');
    if (!this.built) this.files.set('index.html', { body: new TextEncoder().encode(FALLBACK_INDEX), type: TYPES.html as string, immutable: false });
  }

  private walk(root: string, dir: string, depth: number): void {
    if (depth > 8) return;
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        continue;
      }
      // Only what really lies inside the root (symlinks out of it are skipped).
      if (real !== root && !real.startsWith(root + sep)) continue;
      const st = statSync(real);
      if (st.isDirectory()) this.walk(root, abs, depth + 1);
      else if (st.isFile()) {
        const ext = name.includes('.') ? (name.split('.').pop() as string).toLowerCase() : '';
        const type = TYPES[ext];
        if (!type) continue;
        const rel = relative(root, abs).split(sep).join('/');
        this.files.set(rel, { body: readFileSync(real), type, immutable: rel.startsWith('assets/') });
      }
    }
  }

  /** Looks a raw (still percent-encoded) request path up. */
  lookup(rawPath: string): StaticLookup {
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return { kind: 'bad' };
    }
    // Anything that could mean another place: still encoded, parent, backslash, NUL, control characters.
    if (/[%\\\u0000-\u001f]/.test(path) || path.split('/').some((seg) => seg === '..' || seg === '.')) return { kind: 'bad' };
    if (path.includes('//')) return { kind: 'bad' };
    const rel = path.replace(/^\/+/, '');
    const key = rel === '' ? 'index.html' : rel;
    const f = this.files.get(key);
    if (f) return { kind: 'file', file: f };
    // Client-side routes (no extension) get the page itself.
    if (!/\.[a-z0-9]+$/i.test(key)) return { kind: 'file', file: this.files.get('index.html') as StaticFile };
    return { kind: 'missing' };
  }
}
