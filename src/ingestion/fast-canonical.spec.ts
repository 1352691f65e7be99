import fc from 'fast-check';

import { canonicalJson, eventHash } from './ledger-hash.js';
import { fastCanonicalJson, fastEventHash } from './fast-canonical.js';

/** Same text, or both refuse. */
function outcome(f: () => string): { text: string } | { error: true } {
  try {
    return { text: f() };
  } catch {
    return { error: true };
  }
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('\ud800', 'a\udfff', '\u2028', '"\\', '\u0000\u001f', '😀', 'é', 'e\u0301'),
);
const key = fc.oneof(
  text,
  fc.constantFrom('__proto__', 'toJSON', '0', '1', '10', '9', '01', '-1', '1.5', '4294967295', 'a', 'B', ''),
);

const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, NaN, Infinity, true, false, null, undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: false }),
  ),
}));

describe('fastCanonicalJson', () => {
  it('writes exactly what canonicalJson writes, and refuses what it refuses', () => {
    fc.assert(
      fc.property(jsonish, (v) => {
        expect(outcome(() => fastCanonicalJson(v))).toEqual(outcome(() => canonicalJson(v)));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses what is not JSON data', () => {
    for (const v of [new Date(0), new Map(), [1, undefined], () => 1, 1n, Symbol('s'), { a: () => 1 }]) {
      expect(() => canonicalJson(v)).toThrow();
      expect(() => fastCanonicalJson(v)).toThrow();
    }
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fastCanonicalJson([1, , 2])).toThrow();
  });

  it('matches on the JSON values fast-check generates', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(fastCanonicalJson(v)).toBe(canonicalJson(v));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fastEventHash', () => {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const orNull = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.constant(null), fc.constant(undefined));
  const ms = fc.integer({ min: 0, max: 253402300799999 });
  const event = fc.record({
    tenantId: fc.uuid(),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    clientId: fc.uuid(),
    assetId: fc.uuid(),
    kind: fc.constantFrom('detected', 'deployed', 'failed', 'rolled_back', 'exception_granted'),
    occurredAt: ms,
    receivedAt: ms,
    source: text,
    sourceEventId: text,
    patchId: text,
    patchVendor: orNull(text),
    patchTitle: orNull(text),
    patchReleasedAt: orNull(ms),
    cveIds: fc.array(text, { maxLength: 3 }),
    vendorSeverity: orNull(fc.constantFrom('critical', 'high', 'medium', 'low', 'none')),
    actor: orNull(text),
    changeTicket: orNull(text),
    errorCode: orNull(text),
    ring: orNull(text),
    emergency: orNull(fc.boolean()),
    supersededBy: orNull(text),
    exception: orNull(
      fc.record({
        reason: text,
        compensatingControls: fc.array(text, { maxLength: 3 }),
        owner: text,
        approver: text,
        expiresAt: text,
      }),
    ),
    rawSha256: opt(fc.stringMatching(/^[0-9a-f]{64}$/)),
  });
  const prev = fc.stringMatching(/^[0-9a-f]{64}$/);

  it('equals eventHash for any event and previous hash', () => {
    fc.assert(
      fc.property(prev, event, (p, e) => {
        const fast = outcome(() => fastEventHash(p, e));
        expect(fast).toEqual(outcome(() => eventHash(p, e)));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a bad previous hash as eventHash does', () => {
    const e = fc.sample(event, { numRuns: 1, seed: 1 })[0];
    for (const p of ['', 'A'.repeat(64), '0'.repeat(63)]) {
      expect(() => eventHash(p, e)).toThrow();
      expect(() => fastEventHash(p, e)).toThrow();
    }
  });
});
