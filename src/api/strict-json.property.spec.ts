/**
 * Properties of the I-JSON reader every NDJSON line goes through (RELIABILITY.md B1, B2): it never throws; it
 * reads every JSON object JSON.parse reads unless a rule forbids it; it refuses duplicate keys (however they are
 * escaped), `__proto__` keys, nesting deeper than 32, and anything that is not one object.
 */
import fc from 'fast-check';
import { parseJsonStrict } from './strict-json.js';

/** Escapes every character of a key as \uXXXX: the same key to JSON.parse, different bytes to a naive scanner. */
const escapeAll = (key: string) =>
  `"${Array.from({ length: key.length }, (_, i) => `\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;

function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

function hasProtoKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (!Array.isArray(v) && Object.keys(v).includes('__proto__')) return true;
  return (Array.isArray(v) ? v : Object.values(v)).some(hasProtoKey);
}

const key = fc.string({ unit: 'binary', maxLength: 12 }).filter((k) => k !== '__proto__');
const objects = fc.dictionary(key, fc.jsonValue({ maxDepth: 5 }), { maxKeys: 8 });

const noProto = <T>(arb: fc.Arbitrary<T>) => arb.filter((v) => !hasProtoKey(v));

/** Text in which JSON is likely to be almost right: fragments of JSON, stray quotes, backslashes, brackets. */
const nearJson = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        '"',
        '\\',
        ':',
        ',',
        '"a"',
        '"__proto__"',
        '\\u0000',
        '\\ud800',
        '1e999',
        '-0',
        'null',
        ' ',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('parseJsonStrict (properties)', () => {
  it('never throws, and always answers ok with a value or a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          nearJson,
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
        ),
        (text) => {
          const r = parseJsonStrict(text);
          if (r.ok) expect(typeof r.value).toBe('object');
          else expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads back any JSON object within the rules exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(objects, fc.constantFrom(0, 2), (obj, indent) => {
        const text = JSON.stringify(obj, null, indent);
        const r = parseJsonStrict(text);
        if (depthOf(obj) <= 32 && !hasProtoKey(obj)) {
          expect(r.ok).toBe(true);
          if (r.ok) expect(JSON.stringify(r.value)).toBe(JSON.stringify(JSON.parse(text)));
        } else {
          expect(r.ok).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a key repeated in one object, at any depth, written plainly or escaped', () => {
    fc.assert(
      fc.property(
        noProto(objects),
        key,
        noProto(fc.jsonValue()),
        fc.nat({ max: 20 }),
        fc.boolean(),
        (obj, k, v, depth, escaped) => {
          const body = JSON.stringify(obj).slice(1, -1);
          let text = `{${JSON.stringify(k)}:${JSON.stringify(v)}${body ? `,${body}` : ''},${escaped ? escapeAll(k) : JSON.stringify(k)}:0}`;
          for (let i = 0; i < depth; i++) text = i % 2 ? `[${text}]` : `{"level${i}":${text}}`;
          const r = parseJsonStrict(`{"wrapper":${text}}`);
          expect(r).toEqual({ ok: false, reason: `duplicate key "${k}"` });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('allows the same key in sibling and nested objects', () => {
    fc.assert(
      fc.property(key, noProto(fc.jsonValue({ maxDepth: 2 })), (k, v) => {
        const K = JSON.stringify(k);
        const V = JSON.stringify(v);
        const text = `{${K}:{${K}:${V}},"other":[{${K}:${V}},{${K}:${V}}]}`;
        expect(parseJsonStrict(text).ok).toBe(k !== 'other');
      }),
    );
  });

  it('refuses a __proto__ key anywhere, however it is escaped, and pollutes no prototype', () => {
    fc.assert(
      fc.property(objects, fc.nat({ max: 30 }), fc.boolean(), fc.jsonValue(), (obj, depth, escaped, v) => {
        const protoKey = escaped ? escapeAll('__proto__') : '"__proto__"';
        let text = `{${protoKey}:${JSON.stringify(v)}}`;
        for (let i = 0; i < depth; i++) text = i % 2 ? `[${text}]` : `{"level${i}":${text}}`;
        const body = JSON.stringify(obj).slice(1, -1);
        const r = parseJsonStrict(`{${body ? `${body},` : ''}"x":${text}}`);
        expect(r).toEqual({ ok: false, reason: 'key "__proto__" is not allowed' });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    expect(parseJsonStrict('{"__proto__":{"polluted":1}}').ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('allows nesting up to 32 levels and refuses 33 or more, objects and arrays alike', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
        (depth, kinds) => {
          let text = '1';
          for (let i = depth - 1; i >= 1; i--) text = kinds[i] ? `{"k":${text}}` : `[${text}]`;
          text = `{"top":${text}}`;
          const r = parseJsonStrict(text);
          if (depth <= 32) expect(r.ok).toBe(true);
          else expect(r).toEqual({ ok: false, reason: 'nested deeper than 32 levels' });
        },
      ),
    );
    expect(parseJsonStrict(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toEqual({
      ok: false,
      reason: 'nested deeper than 32 levels',
    });
  });

  it('refuses every line that is not exactly one JSON object', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
        (v) => {
          expect(parseJsonStrict(JSON.stringify(v))).toEqual({
            ok: false,
            reason: 'each line must be one JSON object',
          });
        },
      ),
    );
    for (const text of [
      '',
      ' ',
      '{}{}',
      '{} x',
      '{"a":1}\n{"b":2}',
      "{'a':1}",
      '{"a":1,}',
      '\u0000invalid-utf8',
    ]) {
      expect(parseJsonStrict(text).ok).toBe(false);
    }
  });
});
