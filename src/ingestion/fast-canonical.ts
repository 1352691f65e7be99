/**
 * RFC 8785 canonical JSON and event hashes at a fraction of the generic serializer's cost: ingest hashes every
 * event it appends and verification recomputes every stored one. Byte for byte what `canonicalJson` and `eventHash`
 * (ledger-hash.ts, the reference definitions) produce, and refusing what they refuse: checked by a property test.
 */
import crypto from 'node:crypto';
import { canonicalJson, eventHashBody, type HashableEvent } from './ledger-hash.js';

/** In a `u` regexp a paired surrogate is one code point, so only a lone one matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const HEX_HASH = /^[0-9a-f]{64}$/;

/** Keys that JS objects order numerically, not by insertion: they would break the sort, so they take the slow path. */
const DIGIT_KEY = /^\d+$/;

class NeedsGenericSerializer extends Error {}

/**
 * A copy of `value` whose objects hold their keys in RFC 8785 order (UTF-16 code units, as Array.prototype.sort
 * compares), so that one JSON.stringify writes canonical JSON: JSON.stringify serializes strings and finite numbers
 * exactly as RFC 8785 does and leaves out undefined properties. Refuses what `canonicalJson` refuses.
 */
function canonicalOrder(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError('canonicalJson: a string holds a lone surrogate');
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: a number is not finite');
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw new TypeError(`canonicalJson: array item ${i} is undefined`);
          out[i] = canonicalOrder(item);
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError('canonicalJson: not a plain object');
      const obj = value as Record<string, unknown>;
      // A null prototype: a "__proto__" key is then an ordinary property.
      const out = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(obj).sort()) {
        if (LONE_SURROGATE.test(key)) throw new TypeError('canonicalJson: a key holds a lone surrogate');
        if (DIGIT_KEY.test(key)) throw new NeedsGenericSerializer();
        const item = obj[key];
        if (item !== undefined) out[key] = canonicalOrder(item);
      }
      return out;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON data`);
  }
}

/**
 * RFC 8785 canonical JSON, byte for byte what `canonicalJson` (ledger-hash.ts) produces and refusing what it
 * refuses, at a fraction of its cost (the generic serializer and its path-building checks were the largest CPU cost
 * of an ingest batch). Checked against `canonicalJson` by a property test.
 */
export function fastCanonicalJson(value: unknown): string {
  let ordered: unknown;
  try {
    ordered = canonicalOrder(value);
  } catch (err) {
    if (err instanceof NeedsGenericSerializer) return canonicalJson(value);
    throw err;
  }
  const text = JSON.stringify(ordered) as string | undefined;
  if (text === undefined) throw new TypeError('canonicalJson: nothing to serialize');
  return text;
}

/** The fields of `eventHashBody`, in the order it writes them. */
const HASH_BODY_FIELDS = [
  'v',
  'tenantId',
  'seq',
  'clientId',
  'assetId',
  'kind',
  'occurredAt',
  'receivedAt',
  'source',
  'sourceEventId',
  'patchId',
  'patchVendor',
  'patchTitle',
  'patchReleasedAt',
  'cveIds',
  'vendorSeverity',
  'actor',
  'changeTicket',
  'errorCode',
  'ring',
  'emergency',
  'supersededBy',
  'exception',
  'rawSha256',
];

/** canonicalJson(eventHashBody(e)) for the fixed shape of a hash body: keys written in their sorted order. */
function canonicalHashBody(e: HashableEvent): string {
  const b = eventHashBody(e) as Record<string, unknown> & {
    cveIds: string[];
    exception?: { compensatingControls: string[] } & Record<string, unknown>;
  };
  const x = b.exception;
  let i = 0;
  for (const k in b) {
    // A body with other fields than those below (a later hash version): the generic serializer.
    if (k !== HASH_BODY_FIELDS[i++]) return canonicalJson(b);
    const v = b[k];
    if (typeof v === 'string' && LONE_SURROGATE.test(v))
      throw new TypeError(`canonicalJson: ${k} holds a lone surrogate`);
  }
  if (i !== HASH_BODY_FIELDS.length) return canonicalJson(b);
  const cveIds = canonicalOrder(b.cveIds);
  const exception = x === undefined ? undefined : canonicalOrder(x);
  return JSON.stringify({
    actor: b.actor,
    assetId: b.assetId,
    changeTicket: b.changeTicket,
    clientId: b.clientId,
    cveIds,
    emergency: b.emergency,
    errorCode: b.errorCode,
    exception,
    kind: b.kind,
    occurredAt: b.occurredAt,
    patchId: b.patchId,
    patchReleasedAt: b.patchReleasedAt,
    patchTitle: b.patchTitle,
    patchVendor: b.patchVendor,
    rawSha256: b.rawSha256,
    receivedAt: b.receivedAt,
    ring: b.ring,
    seq: b.seq,
    source: b.source,
    sourceEventId: b.sourceEventId,
    supersededBy: b.supersededBy,
    tenantId: b.tenantId,
    v: b.v,
    vendorSeverity: b.vendorSeverity,
  });
}

/** `eventHash` of ledger-hash.ts with the fast serializer: SHA-256(bytes(prevHash) || canonical body). */
export function fastEventHash(prevHash: string, e: HashableEvent): string {
  if (!HEX_HASH.test(prevHash)) throw new RangeError('prevHash is not a lowercase hex SHA-256');
  return crypto
    .createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalHashBody(e), 'utf8')
    .digest('hex');
}
