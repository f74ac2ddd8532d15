/**
 * The dashboard's guards (../shared/RELIABILITY.md D1–D4): Host allowlist
 * against DNS rebinding, a token compared in constant time (header or cookie,
 * never the URL), same-origin JSON-only mutations, no CORS, and the security
 * headers of every response.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { type ApiErrorBody, type ApiErrorCode, encodeApiJson, JSON_CONTENT_TYPE, TOKEN_COOKIE } from '../api.js';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Plotly sets inline style attributes; scripts stay 'self' only.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MISDIRECTED: 421,
  NOT_AVAILABLE: 501,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function errorResponse(code: ApiErrorCode, message: string, path?: readonly (string | number)[]): Response {
  const body: ApiErrorBody = { error: path === undefined ? { code, message } : { code, message, path } };
  return new Response(encodeApiJson(body), { status: STATUS[code], headers: { 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-store' } });
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time comparison (of fixed-length digests, so the length leaks nothing either). */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The token a request carries: `Authorization: Bearer …` or the session cookie. */
export function requestToken(c: Context): string | null {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  return readCookie(c.req.header('cookie'), TOKEN_COOKIE);
}

export interface GuardOptions {
  /** Host header values (host:port, lower case) the dashboard answers to; null = any (wildcard bind with a token). */
  readonly allowedHosts: ReadonlySet<string> | null;
  readonly token: string | null;
}

function setSecurityHeaders(res: Response): void {
  const h = res.headers;
  h.set('content-security-policy', CSP);
  h.set('x-content-type-options', 'nosniff');
  h.set('x-frame-options', 'DENY');
  h.set('referrer-policy', 'no-referrer');
  h.set('cross-origin-opener-policy', 'same-origin');
  h.set('cross-origin-resource-policy', 'same-origin');
  h.delete('access-control-allow-origin');
  h.delete('access-control-allow-credentials');
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Paths that work without a token: the session probe and login. */
function isPublic(method: string, path: string): boolean {
  return path === '/api/session' && (method === 'GET' || method === 'POST' || method === 'DELETE');
}

/** `options` is read per request (the allowed Host names are known only once the port is bound). */
export function guards(getOptions: () => GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const options = getOptions();
    const host = (c.req.header('host') ?? '').toLowerCase();
    let res: Response | undefined;
    if (options.allowedHosts !== null && !options.allowedHosts.has(host)) {
      res = errorResponse('MISDIRECTED', 'this dashboard does not answer to that Host name; open it by the address it printed');
    } else {
      const method = c.req.method;
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      const ownOrigin = `http://${host}`;
      const foreign = (origin !== undefined && origin !== ownOrigin) || (site !== undefined && site !== 'same-origin' && site !== 'none');
      if (method === 'OPTIONS') {
        // No CORS: a preflight is always refused.
        res = errorResponse('FORBIDDEN', 'cross-origin requests are not allowed');
      } else if (MUTATIONS.has(method) && foreign) {
        res = errorResponse('FORBIDDEN', 'a change must come from the dashboard page itself (foreign Origin)');
      } else if (MUTATIONS.has(method) && !/^application\/json(\s*;|$)/i.test(c.req.header('content-type') ?? '')) {
        res = errorResponse('UNSUPPORTED_MEDIA_TYPE', 'send changes as JSON (Content-Type: application/json)');
      } else if (c.req.path.startsWith('/api/') && options.token !== null && !isPublic(method, c.req.path) && !tokenMatches(requestToken(c), options.token)) {
        res = errorResponse('UNAUTHORIZED', 'a token is needed: send Authorization: Bearer <token>, or log in on the dashboard page');
      }
    }
    if (res) {
      setSecurityHeaders(res);
      return res;
    }
    await next();
    setSecurityHeaders(c.res);
    if (c.req.path.startsWith('/api/') && !c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  };
}
