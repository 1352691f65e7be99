/**
 * Hashing of the tamper-evident event ledger, as pure functions.
 *
 * Per tenant, every event has a gap-free `seq` (1, 2, …) and
 *   hash = SHA-256( bytes(prevHash) || UTF-8(canonicalJson(eventHashBody(event))) )
 * where prevHash is the previous event's hash (64 zeros, i.e. 32 zero bytes, before seq 1) and canonicalJson is
 * RFC 8785 (JCS). Checkpoints add an RFC 6962 Merkle tree over the event hashes, so a pack or a receipt can prove
 * that one event is in the ledger (inclusion) and that a later ledger extends an earlier one (consistency).
 *
 * The chain alone cannot see a rewritten tail or a truncation: whoever can write the table can re-hash everything
 * after the event they changed. Only a checkpoint held outside the database (ingest receipt, signed checkpoint in a
 * pack) catches that, hence `verifyAgainstCheckpoint` and the consistency proofs.
 */
import { createHash } from 'node:crypto';

import canonicalizeModule from 'canonicalize';

import type { LedgerEvent } from './patch-event.js';

/** prevHash of the first event of every tenant. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Written into every hash body: a later change to the body's fields gets a new number, old events keep theirs. */
export const LEDGER_HASH_VERSION = 1;

const HEX_HASH = /^[0-9a-f]{64}$/;

type WithNulls<T> = { [K in keyof T]: undefined extends T[K] ? T[K] | null : T[K] };

/**
 * What the hash is computed from: the stored event without its surrogate `id` and its `hash`, plus the digest of
 * the raw source record. Optional columns may come back from the database as null: null and absent hash the same.
 */
export type HashableEvent = WithNulls<Omit<LedgerEvent, 'id' | 'hash'>> & {
  /** SHA-256 (hex) of the raw source record, see `rawPayloadDigest`. */
  rawSha256?: string | null;
};

export type StoredLedgerEvent = HashableEvent & { hash: string };

// canonicalize is CommonJS (`module.exports = fn`) but its typings declare a default export: take whichever is there.
const canonicalize: (input: unknown) => string | undefined = (() => {
  const mod: unknown = canonicalizeModule;
  const fn = typeof mod === 'function' ? mod : (mod as { default?: unknown }).default;
  if (typeof fn !== 'function') throw new Error('canonicalize: no serializer exported');
  return fn as (input: unknown) => string | undefined;
})();

/**
 * RFC 8785 canonical JSON. Accepts only JSON data (plain objects, arrays, strings, finite numbers, booleans, null;
 * object properties that are undefined are left out, as JSON.stringify does). Anything else throws rather than
 * hashing something another implementation would serialize differently: a Date, a Map, a class instance, NaN,
 * a bigint, undefined in an array, a string with a lone surrogate (not I-JSON, RFC 7493).
 */
export function canonicalJson(value: unknown): string {
  assertJsonData(value, '$');
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: nothing to serialize');
  return text;
}

/** In a `u` regexp a paired surrogate is one code point, so only a lone one matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function assertJsonData(value: unknown, path: string): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
    return;
  }
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new TypeError(`canonicalJson: ${path} holds a lone surrogate`);
    return;
  }
  if (Array.isArray(value)) {
    // An index loop, not forEach: a hole in a sparse array must be refused, not skipped.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
      assertJsonData(item, `${path}[${i}]`);
    }
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: ${path} is not a plain object`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key))
        throw new TypeError(`canonicalJson: a key of ${path} holds a lone surrogate`);
      if (item !== undefined) assertJsonData(item, `${path}.${key}`);
    }
    return;
  }
  throw new TypeError(`canonicalJson: ${path} is a ${typeof value}`);
}

/**
 * Digest of the raw source record (a log line, an XML element, a JSON object) kept for provenance: SHA-256 of the
 * UTF-8 text for a string, of its canonical JSON otherwise. The digest, not the record, enters the event hash, so
 * the record can live in other storage (or be purged under a retention rule) while the ledger still pins it.
 */
export function rawPayloadDigest(raw: unknown): string {
  return sha256Hex(typeof raw === 'string' ? raw : canonicalJson(raw));
}

/**
 * The fields that enter an event's hash, and why:
 * - `tenantId` and `seq` bind the event to its place: a row moved to another position or tenant no longer chains.
 * - Every fact the fold, metrics and packs read (client, asset, kind, times, source ids, patch, CVEs, severity,
 *   actor, change ticket, error code, ring, emergency, supersededBy, exception): changing any of them changes a
 *   report, so each must be tamper-evident.
 * - `receivedAt` too: the as-of rule and the late-event findings of packs depend on when an event arrived, so the
 *   sequencer sets it before hashing (it must not be a database default filled in afterwards).
 * - `rawSha256` pins the source record the event was normalized from.
 * Left out: `id` (a storage key; the ledger identifies an event by tenant and seq, which are in) and `hash` itself.
 * Times enter as ISO 8601 UTC strings with milliseconds, so a reader can check a body by eye; absent and null
 * optional fields are omitted, so a row read back from the database hashes exactly as the event did when appended.
 */
export function eventHashBody(e: HashableEvent): Record<string, unknown> {
  const opt = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);
  if (!Number.isSafeInteger(e.seq) || e.seq < 1)
    throw new RangeError(`eventHashBody: seq ${e.seq} is not 1, 2, …`);
  const rawSha256 = opt(e.rawSha256);
  if (rawSha256 !== undefined && !HEX_HASH.test(rawSha256)) {
    throw new RangeError('eventHashBody: rawSha256 is not a lowercase hex SHA-256');
  }
  const exception = opt(e.exception);
  const patchReleasedAt = opt(e.patchReleasedAt);
  return {
    v: LEDGER_HASH_VERSION,
    tenantId: e.tenantId,
    seq: e.seq,
    clientId: e.clientId,
    assetId: e.assetId,
    kind: e.kind,
    occurredAt: isoTime(e.occurredAt, 'occurredAt'),
    receivedAt: isoTime(e.receivedAt, 'receivedAt'),
    source: e.source,
    sourceEventId: e.sourceEventId,
    patchId: e.patchId,
    patchVendor: opt(e.patchVendor),
    patchTitle: opt(e.patchTitle),
    patchReleasedAt: patchReleasedAt === undefined ? undefined : isoTime(patchReleasedAt, 'patchReleasedAt'),
    cveIds: [...e.cveIds],
    vendorSeverity: opt(e.vendorSeverity),
    actor: opt(e.actor),
    changeTicket: opt(e.changeTicket),
    errorCode: opt(e.errorCode),
    ring: opt(e.ring),
    // Not emergency and unset mean the same change class: one value, whatever the column default is.
    emergency: e.emergency === true,
    supersededBy: opt(e.supersededBy),
    exception:
      exception === undefined
        ? undefined
        : {
            reason: exception.reason,
            compensatingControls: [...exception.compensatingControls],
            owner: exception.owner,
            approver: exception.approver,
            expiresAt: exception.expiresAt,
          },
    rawSha256,
  };
}

function isoTime(ms: number, field: string): string {
  if (!Number.isSafeInteger(ms))
    throw new RangeError(`eventHashBody: ${field} ${ms} is not epoch milliseconds`);
  return new Date(ms).toISOString();
}

/** SHA-256(bytes(prevHash) || UTF-8(canonicalJson(body))), lowercase hex. */
export function chainHash(prevHash: string, body: unknown): string {
  return createHash('sha256')
    .update(hexBytes(prevHash, 'prevHash'))
    .update(canonicalJson(body), 'utf8')
    .digest('hex');
}

/** The hash an event must carry when appended after `prevHash`. */
export function eventHash(prevHash: string, e: HashableEvent): string {
  return chainHash(prevHash, eventHashBody(e));
}

/** A point of one tenant's chain: the last seq covered and its hash (`root`: Merkle root of hashes 1..seq). */
export interface Checkpoint {
  seq: number;
  hash: string;
  root?: string;
}

export const GENESIS: Checkpoint = { seq: 0, hash: GENESIS_PREV_HASH };

export type ChainVerification =
  { ok: true; headSeq: number; headHash: string } | { ok: false; firstBadSeq: number; reason: string };

/**
 * Verifies one tenant's events in seq order, from `start` (genesis, or a point verified earlier). Catches an
 * altered event (its hash, or the next one's, no longer matches), a deleted event (a seq gap), rows out of order
 * or duplicated, and a foreign tenant's row. A consistently re-hashed tail or a cut-off tail passes here: see
 * `verifyAgainstCheckpoint`. `hash` defaults to the reference `eventHash`; the service passes `fastEventHash`.
 */
export function verifyChain(
  events: readonly StoredLedgerEvent[],
  start: Checkpoint = GENESIS,
  hash: (prevHash: string, e: HashableEvent) => string = eventHash,
): ChainVerification {
  let prev = { seq: start.seq, hash: start.hash };
  const tenantId = events[0]?.tenantId;
  for (const e of events) {
    const expectedSeq = prev.seq + 1;
    if (e.tenantId !== tenantId) {
      return bad(e.seq, `seq ${e.seq} belongs to tenant ${e.tenantId}, not ${tenantId}`);
    }
    if (e.seq !== expectedSeq) {
      return e.seq > expectedSeq
        ? bad(expectedSeq, `seq ${expectedSeq} is missing: the next stored event is seq ${e.seq}`)
        : bad(e.seq, `seq ${e.seq} comes after seq ${prev.seq}: rows duplicated or out of order`);
    }
    let expected: string;
    try {
      expected = hash(prev.hash, e);
    } catch (error) {
      return bad(e.seq, `seq ${e.seq} cannot be hashed: ${(error as Error).message}`);
    }
    if (e.hash !== expected) {
      return bad(
        e.seq,
        `seq ${e.seq}: stored hash ${e.hash} but its content after seq ${prev.seq} hashes to ${expected}: ` +
          `this event was altered, or the one before it was altered and re-hashed`,
      );
    }
    prev = { seq: e.seq, hash: e.hash };
  }
  return { ok: true, headSeq: prev.seq, headHash: prev.hash };
}

/**
 * Verifies the chain and then that it still contains a checkpoint issued earlier (ingest receipt, pack). Catches
 * what self-verification cannot: a tail deleted (the checkpoint's seq is beyond the head) and an event changed with
 * every later hash recomputed (the hash at the checkpoint's seq differs). With `root`, also the Merkle root of
 * hashes 1..seq (then `events` must start at seq 1).
 */
export function verifyAgainstCheckpoint(
  events: readonly StoredLedgerEvent[],
  checkpoint: Checkpoint,
  start: Checkpoint = GENESIS,
): ChainVerification {
  const chain = verifyChain(events, start);
  if (!chain.ok) return chain;
  if (checkpoint.seq > chain.headSeq) {
    return bad(
      chain.headSeq + 1,
      `truncated: checkpoint covers seq ${checkpoint.seq} but the ledger ends at seq ${chain.headSeq}`,
    );
  }
  if (checkpoint.seq < start.seq) {
    return bad(
      checkpoint.seq,
      `checkpoint seq ${checkpoint.seq} precedes the verified range (from ${start.seq})`,
    );
  }
  const stored = checkpoint.seq === start.seq ? start.hash : events[checkpoint.seq - start.seq - 1].hash;
  if (stored !== checkpoint.hash) {
    return bad(
      checkpoint.seq,
      `rewritten: the hash at seq ${checkpoint.seq} differs from the checkpoint: an event at or before ` +
        `seq ${checkpoint.seq} was changed and the chain re-hashed`,
    );
  }
  if (checkpoint.root !== undefined) {
    if (start.seq !== 0) return bad(checkpoint.seq, 'a checkpoint root needs the events from seq 1');
    const root = merkleRoot(ledgerLeaves(events.slice(0, checkpoint.seq)));
    if (root !== checkpoint.root) {
      return bad(checkpoint.seq, `Merkle root of seq 1..${checkpoint.seq} differs from the checkpoint`);
    }
  }
  return chain;
}

/** The checkpoint of a verified chain that starts at seq 1: head seq, head hash and Merkle root. */
export function ledgerCheckpoint(events: readonly StoredLedgerEvent[]): Checkpoint {
  const head = events.at(-1);
  return {
    seq: head?.seq ?? 0,
    hash: head?.hash ?? GENESIS_PREV_HASH,
    root: merkleRoot(ledgerLeaves(events)),
  };
}

/** Merkle leaves of the ledger: each event's hash as its 32 bytes. */
export function ledgerLeaves(events: readonly { hash: string }[]): Uint8Array[] {
  return events.map((e) => hexBytes(e.hash, 'hash'));
}

function bad(firstBadSeq: number, reason: string): ChainVerification {
  return { ok: false, firstBadSeq, reason };
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 6962 Merkle tree (section 2.1; verification as in RFC 9162 2.1.3.2 and 2.1.4.2). Leaves are byte strings;
// hashes travel as lowercase hex. Arithmetic avoids 32-bit bitwise operators so sizes above 2^31 work.

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function merkleLeafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

class MerkleTree {
  private readonly hashes: Buffer[];
  constructor(leaves: readonly Uint8Array[]) {
    this.hashes = leaves.map(merkleLeafHash);
  }
  /** MTH(D[lo:hi]). */
  root(lo = 0, hi = this.hashes.length): Buffer {
    const n = hi - lo;
    if (n === 0) return createHash('sha256').digest();
    if (n === 1) return this.hashes[lo];
    const k = split(n);
    return nodeHash(this.root(lo, lo + k), this.root(lo + k, hi));
  }
  /** PATH(m, D[lo:hi]). */
  path(m: number, lo: number, hi: number): Buffer[] {
    const n = hi - lo;
    if (n <= 1) return [];
    const k = split(n);
    return m < k
      ? [...this.path(m, lo, lo + k), this.root(lo + k, hi)]
      : [...this.path(m - k, lo + k, hi), this.root(lo, lo + k)];
  }
  /** SUBPROOF(m, D[lo:hi], b). */
  subproof(m: number, lo: number, hi: number, complete: boolean): Buffer[] {
    const n = hi - lo;
    if (m === n) return complete ? [] : [this.root(lo, hi)];
    const k = split(n);
    return m <= k
      ? [...this.subproof(m, lo, lo + k, complete), this.root(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.root(lo, lo + k)];
  }
  get size(): number {
    return this.hashes.length;
  }
}

/** MTH of the leaves; the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  return new MerkleTree(leaves).root().toString('hex');
}

/** Audit path of leaf `index` in the tree of all `leaves`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): string[] {
  const tree = new MerkleTree(leaves);
  if (!Number.isSafeInteger(index) || index < 0 || index >= tree.size) {
    throw new RangeError(`inclusionProof: index ${index} is outside a tree of ${tree.size} leaves`);
  }
  return tree.path(index, 0, tree.size).map((h) => h.toString('hex'));
}

/** Proof that the tree of the first `oldSize` leaves is a prefix of the tree of all `leaves`. */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): string[] {
  const tree = new MerkleTree(leaves);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > tree.size) {
    throw new RangeError(`consistencyProof: size ${oldSize} is outside 0..${tree.size}`);
  }
  if (oldSize === 0) return [];
  return tree.subproof(oldSize, 0, tree.size, true).map((h) => h.toString('hex'));
}

export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  if (!validSize(index) || !validSize(size) || index >= size || !isHexHash(root)) return false;
  const nodes = proofNodes(proof);
  if (!nodes) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = merkleLeafHash(leaf);
  for (const p of nodes) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && r.toString('hex') === root;
}

export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly string[],
  oldRoot: string,
  newRoot: string,
): boolean {
  if (!validSize(oldSize) || !validSize(newSize) || oldSize > newSize) return false;
  if (!isHexHash(oldRoot) || !isHexHash(newRoot)) return false;
  const nodes = proofNodes(proof);
  if (!nodes) return false;
  if (oldSize === newSize) return nodes.length === 0 && oldRoot === newRoot;
  // Every tree extends the empty one.
  if (oldSize === 0) return nodes.length === 0;
  if (nodes.length === 0) return false;
  // When the old tree is a complete subtree, its root is the proof's implicit first node.
  if (isPowerOfTwo(oldSize)) nodes.unshift(Buffer.from(oldRoot, 'hex'));
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = nodes[0];
  let sr = nodes[0];
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && fr.toString('hex') === oldRoot && sr.toString('hex') === newRoot;
}

function validSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}

function proofNodes(proof: readonly string[]): Buffer[] | undefined {
  if (!proof.every(isHexHash)) return undefined;
  return proof.map((p) => Buffer.from(p, 'hex'));
}

function hexBytes(hex: string, what: string): Buffer {
  if (!isHexHash(hex)) throw new RangeError(`${what} is not a lowercase hex SHA-256`);
  return Buffer.from(hex, 'hex');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
