/**
 * JSON that keeps every number exact: ±Infinity, NaN and -0 are encoded as
 * tagged objects instead of turning into `null` or `0`. Used for attributes,
 * fixed parameters and exports.
 */
import { InvalidArgumentError } from './errors.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const NUM_TAG = '$dials.number';
const MAX_DEPTH = 64;
/** Largest serialized attribute value, in UTF-16 code units. */
export const MAX_JSON_LENGTH = 1 << 20;

function encodeNumber(n: number): number | { [NUM_TAG]: string } {
  if (Number.isFinite(n) && !Object.is(n, -0)) return n;
  return { [NUM_TAG]: Object.is(n, -0) ? '-0' : String(n) };
}

function decodeNumber(s: string): number {
  switch (s) {
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    case '-0':
      return -0;
    default:
      throw new Error(`unknown number tag ${s}`);
  }
}

/**
 * Checks that `value` is plain JSON data (no cycles, functions, BigInt,
 * undefined or class instances; Dates become ISO strings) and returns a
 * normalised copy. Errors name the path of the bad part.
 */
export function normalizeJson(value: unknown, what: string): JsonValue {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): JsonValue => {
    if (depth > MAX_DEPTH) throw new InvalidArgumentError(`${what} is nested deeper than ${MAX_DEPTH} levels at ${path}; flatten it`);
    if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new InvalidArgumentError(`${what} holds an invalid Date at ${path}`);
      return v.toISOString();
    }
    if (typeof v !== 'object') {
      throw new InvalidArgumentError(`${what} holds a ${typeof v} at ${path}; only JSON data (null, boolean, number, string, arrays, plain objects) can be stored`);
    }
    if (seen.has(v)) throw new InvalidArgumentError(`${what} contains a cycle at ${path}`);
    seen.add(v);
    let out: JsonValue;
    if (Array.isArray(v)) {
      out = v.map((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidArgumentError(`${what} holds a ${proto?.constructor?.name ?? 'class'} instance at ${path}; convert it to a plain object first`);
      }
      const obj: Record<string, JsonValue> = Object.create(null);
      for (const [k, x] of Object.entries(v)) obj[k] = walk(x, `${path}.${k}`, depth + 1);
      out = obj;
    }
    seen.delete(v);
    return out;
  };
  return walk(value, '$', 0);
}

/** Serializes normalised JSON data exactly (see module notes). */
export function encodeJson(value: JsonValue): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    return typeof v === 'number' ? encodeNumber(v) : v;
  });
}

/** Serializes an attribute value, enforcing the size limit. */
export function encodeAttr(value: unknown, what: string): string {
  const text = encodeJson(normalizeJson(value, what));
  if (text.length > MAX_JSON_LENGTH) {
    throw new InvalidArgumentError(`${what} is ${text.length} characters once serialized; the limit is ${MAX_JSON_LENGTH}. Store large data as a file and keep its path instead`);
  }
  return text;
}

export function decodeJson(text: string): JsonValue {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NUM_TAG) return decodeNumber((v as Record<string, string>)[NUM_TAG] as string);
      return Object.assign(Object.create(null), v);
    }
    return v;
  }) as JsonValue;
}
