import { createHash } from 'node:crypto';

import fc from 'fast-check';

import {
  canonicalJson,
  chainHash,
  consistencyProof,
  eventHash,
  eventHashBody,
  GENESIS_PREV_HASH,
  inclusionProof,
  ledgerCheckpoint,
  ledgerLeaves,
  merkleRoot,
  rawPayloadDigest,
  verifyAgainstCheckpoint,
  verifyChain,
  verifyConsistency,
  verifyInclusion,
  type HashableEvent,
  type StoredLedgerEvent,
} from './ledger-hash.js';

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();

function draft(seq: number, over: Partial<HashableEvent> = {}): HashableEvent {
  return {
    tenantId: 'tenant-a',
    clientId: 'client-1',
    assetId: 'asset-1',
    seq,
    kind: 'deployed',
    occurredAt: Date.UTC(2026, 0, seq),
    receivedAt: Date.UTC(2026, 0, seq, 0, 5),
    source: 'test',
    sourceEventId: `ev-${seq}`,
    patchId: 'KB5034441',
    cveIds: ['CVE-2024-21412'],
    ...over,
  };
}

/** Appends drafts the way the sequencer does: each hash chains on the one before. */
function append(drafts: HashableEvent[], prevHash = GENESIS_PREV_HASH): StoredLedgerEvent[] {
  return drafts.map((d) => {
    prevHash = eventHash(prevHash, d);
    return { ...d, hash: prevHash };
  });
}

const ledger = (n: number): StoredLedgerEvent[] => append(Array.from({ length: n }, (_, i) => draft(i + 1)));

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 section 3.2.2 example exactly', () => {
    const input = JSON.parse(
      String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
    );
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro',
      '\r': 'CR',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Smiley',
      '\u0080': 'Ctl',
      '\u00f6': 'o',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Ctl","ö":"o","€":"Euro","\ud83d\ude00":"Smiley","\ufb33":"Hebrew"}',
    );
  });

  it('leaves out undefined properties, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: [1, { d: undefined }] })).toBe('{"a":[1,{}]}');
  });

  it.each([
    ['a Date', { at: new Date(0) }, '$.at is not a plain object'],
    ['a Map', new Map(), '$ is not a plain object'],
    ['NaN', [Number.NaN], '$[0] is not a finite number'],
    ['Infinity', { x: Infinity }, '$.x is not a finite number'],
    ['undefined in an array', [undefined], '$[0] is undefined'],
    // eslint-disable-next-line no-sparse-arrays
    ['a sparse array', [1, , 3], '$[1] is undefined'],
    ['an object with toJSON', { toJSON: () => 'x' }, '$.toJSON is a function'],
    ['a lone surrogate', { s: 'a\ud800b' }, '$.s holds a lone surrogate'],
    ['a lone surrogate in a key', { ['\udc00']: 1 }, 'a key of $ holds a lone surrogate'],
    ['a bigint', { n: 1n }, '$.n is a bigint'],
    ['a function', { f: () => 1 }, '$.f is a function'],
    ['undefined', undefined, '$ is a undefined'],
  ])('refuses %s', (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });
});

describe('eventHashBody', () => {
  it('hashes SHA-256(prevHash bytes || canonical JSON of the body), pinned for the first event', () => {
    const body = eventHashBody(draft(1));
    const json =
      '{"assetId":"asset-1","clientId":"client-1","cveIds":["CVE-2024-21412"],"emergency":false,"kind":"deployed",' +
      '"occurredAt":"2026-01-01T00:00:00.000Z","patchId":"KB5034441","receivedAt":"2026-01-01T00:05:00.000Z",' +
      '"seq":1,"source":"test","sourceEventId":"ev-1","tenantId":"tenant-a","v":1}';
    expect(canonicalJson(body)).toBe(json);
    const expected = sha256(Buffer.concat([Buffer.alloc(32), Buffer.from(json, 'utf8')])).toString('hex');
    expect(chainHash(GENESIS_PREV_HASH, body)).toBe(expected);
    // Computed independently (Python hashlib) so the formula cannot drift unnoticed.
    expect(expected).toBe('90ccd612a027f728eb4613e38fc43cdf181ef8b951187f220d7016afd0f9e410');
  });

  it('hashes a row read back with nulls exactly as the event appended with absent fields', () => {
    const appended = draft(1);
    const readBack = {
      ...draft(1),
      patchVendor: null,
      patchTitle: null,
      patchReleasedAt: null,
      vendorSeverity: null,
      actor: null,
      changeTicket: null,
      errorCode: null,
      ring: null,
      emergency: null,
      supersededBy: null,
      exception: null,
      rawSha256: null,
    };
    expect(eventHash(GENESIS_PREV_HASH, readBack)).toBe(eventHash(GENESIS_PREV_HASH, appended));
    expect(eventHash(GENESIS_PREV_HASH, { ...appended, emergency: false })).toBe(
      eventHash(GENESIS_PREV_HASH, appended),
    );
  });

  it('leaves out the surrogate id and the stored hash, but not receivedAt', () => {
    const e = draft(1);
    const withStorageFields = { ...e, id: 'row-42', hash: 'f'.repeat(64) } as HashableEvent;
    expect(eventHashBody(withStorageFields)).toEqual(eventHashBody(e));
    expect(eventHash(GENESIS_PREV_HASH, { ...e, receivedAt: e.receivedAt + 1 })).not.toBe(
      eventHash(GENESIS_PREV_HASH, e),
    );
  });

  it('changes with every field that reports read', () => {
    const base = draft(3);
    const variants: Partial<HashableEvent>[] = [
      { tenantId: 'tenant-b' },
      { seq: 4 },
      { clientId: 'client-2' },
      { assetId: 'asset-2' },
      { kind: 'rolled_back' },
      { occurredAt: base.occurredAt + 1 },
      { source: 'other' },
      { sourceEventId: 'ev-x' },
      { patchId: 'KB1' },
      { patchVendor: 'Microsoft' },
      { patchTitle: 'Cumulative update' },
      { patchReleasedAt: Date.UTC(2025, 11, 9) },
      { cveIds: [] },
      { cveIds: ['CVE-2024-21412', 'CVE-2024-1086'] },
      { vendorSeverity: 'critical' },
      { actor: 'alice' },
      { changeTicket: 'CHG-1' },
      { errorCode: '0x80070005' },
      { ring: 'pilot' },
      { emergency: true },
      { supersededBy: 'KB2' },
      {
        exception: {
          reason: 'legacy',
          compensatingControls: ['vlan'],
          owner: 'o',
          approver: 'a',
          expiresAt: '2027-01-01T00:00:00Z',
        },
      },
      { rawSha256: rawPayloadDigest('Start-Date: 2026-01-03  10:00:00') },
    ];
    const hashes = new Set(
      [base, ...variants.map((v) => ({ ...base, ...v }))].map((e) => eventHash(GENESIS_PREV_HASH, e)),
    );
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('writes times as ISO 8601 UTC and refuses what is not epoch milliseconds', () => {
    const body = eventHashBody(draft(1, { patchReleasedAt: Date.UTC(2025, 11, 9, 18) }));
    expect(body.patchReleasedAt).toBe('2025-12-09T18:00:00.000Z');
    expect(() => eventHashBody(draft(1, { occurredAt: 1.5 }))).toThrow(
      'occurredAt 1.5 is not epoch milliseconds',
    );
    expect(() => eventHashBody(draft(0))).toThrow('seq 0');
    expect(() => eventHashBody(draft(1, { rawSha256: 'ABC' }))).toThrow('rawSha256');
  });

  it('digests a raw record: text as UTF-8, anything else as canonical JSON', () => {
    expect(rawPayloadDigest('é')).toBe(sha256(Buffer.from('é', 'utf8')).toString('hex'));
    expect(rawPayloadDigest({ b: 1, a: 2 })).toBe(rawPayloadDigest({ a: 2, b: 1 }));
    expect(rawPayloadDigest({ a: 2, b: 1 })).toBe(sha256('{"a":2,"b":1}').toString('hex'));
  });
});

describe('verifyChain and verifyAgainstCheckpoint (L6, L7)', () => {
  const events = ledger(10);
  const checkpoint = ledgerCheckpoint(events);

  it('accepts an untouched chain and reports its head', () => {
    expect(verifyChain(events)).toEqual({ ok: true, headSeq: 10, headHash: events[9].hash });
    expect(verifyAgainstCheckpoint(events, checkpoint)).toEqual({
      ok: true,
      headSeq: 10,
      headHash: events[9].hash,
    });
    expect(verifyChain([])).toEqual({ ok: true, headSeq: 0, headHash: GENESIS_PREV_HASH });
  });

  it('catches an altered event at that event', () => {
    const tampered = events.map((e) => (e.seq === 5 ? { ...e, kind: 'failed' as const } : e));
    expect(verifyChain(tampered)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('catches an altered event whose own hash was recomputed at the next event', () => {
    const tampered = [...events];
    tampered[4] = {
      ...events[4],
      actor: 'mallory',
      hash: eventHash(events[3].hash, { ...events[4], actor: 'mallory' }),
    };
    const result = verifyChain(tampered);
    expect(result).toMatchObject({ ok: false, firstBadSeq: 6 });
    expect(!result.ok && result.reason).toContain('or the one before it was altered and re-hashed');
  });

  it('catches a deleted middle event as a seq gap', () => {
    const result = verifyChain(events.filter((e) => e.seq !== 4));
    expect(result).toEqual({
      ok: false,
      firstBadSeq: 4,
      reason: 'seq 4 is missing: the next stored event is seq 5',
    });
  });

  it('catches a deleted first event', () => {
    expect(verifyChain(events.slice(1))).toMatchObject({ ok: false, firstBadSeq: 1 });
  });

  it('catches swapped rows, whether their seq moved with them or not', () => {
    const reordered = [...events];
    [reordered[2], reordered[3]] = [reordered[3], reordered[2]];
    expect(verifyChain(reordered)).toMatchObject({ ok: false, firstBadSeq: 3 });
    const relabelled = reordered.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyChain(relabelled)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('catches a duplicated row and a row of another tenant', () => {
    expect(verifyChain([...events.slice(0, 3), events[2], ...events.slice(3)])).toEqual({
      ok: false,
      firstBadSeq: 3,
      reason: 'seq 3 comes after seq 3: rows duplicated or out of order',
    });
    const foreign = events.map((e) => (e.seq === 7 ? { ...e, tenantId: 'tenant-b' } : e));
    expect(verifyChain(foreign)).toMatchObject({ ok: false, firstBadSeq: 7 });
  });

  it('lets a consistently re-hashed tail pass self-verification, and catches it against an earlier checkpoint', () => {
    const issuedAt7 = ledgerCheckpoint(events.slice(0, 7));
    const drafts = events.map(({ hash: _hash, ...d }) => d);
    drafts[4] = { ...drafts[4], kind: 'failed', errorCode: '0x80070005' };
    const rewritten = append(drafts);
    expect(verifyChain(rewritten).ok).toBe(true);
    const result = verifyAgainstCheckpoint(rewritten, issuedAt7);
    expect(result).toMatchObject({ ok: false, firstBadSeq: 7 });
    expect(!result.ok && result.reason).toContain(
      'an event at or before seq 7 was changed and the chain re-hashed',
    );
    // A checkpoint issued before the altered event still holds: the change is after it.
    expect(verifyAgainstCheckpoint(rewritten, ledgerCheckpoint(events.slice(0, 4))).ok).toBe(true);
  });

  it('lets a truncated tail pass self-verification, and catches it against the held checkpoint (L7)', () => {
    const truncated = events.slice(0, 7);
    expect(verifyChain(truncated)).toMatchObject({ ok: true, headSeq: 7 });
    expect(verifyAgainstCheckpoint(truncated, checkpoint)).toEqual({
      ok: false,
      firstBadSeq: 8,
      reason: 'truncated: checkpoint covers seq 10 but the ledger ends at seq 7',
    });
    // No consistency proof can take the held tree of 10 to the tree of 7 that is left.
    const now = ledgerCheckpoint(truncated);
    expect(verifyConsistency(10, 7, [], checkpoint.root!, now.root!)).toBe(false);
    expect(() => consistencyProof(ledgerLeaves(truncated), 10)).toThrow(RangeError);
  });

  it('catches a truncated and re-grown ledger through the consistency proof from the held checkpoint', () => {
    const drafts = Array.from({ length: 12 }, (_, i) => draft(i + 1));
    drafts[9] = { ...drafts[9], actor: 'mallory' };
    const regrown = append(drafts);
    const proof = consistencyProof(ledgerLeaves(regrown), 10);
    expect(verifyConsistency(10, 12, proof, checkpoint.root!, ledgerCheckpoint(regrown).root!)).toBe(false);
    const honest = append([draft(11), draft(12)], events[9].hash);
    const grown = [...events, ...honest];
    expect(
      verifyConsistency(
        10,
        12,
        consistencyProof(ledgerLeaves(grown), 10),
        checkpoint.root!,
        ledgerCheckpoint(grown).root!,
      ),
    ).toBe(true);
  });

  it('checks the Merkle root of a checkpoint and verifies from a mid-chain start', () => {
    expect(verifyAgainstCheckpoint(events, { ...checkpoint, root: 'a'.repeat(64) })).toMatchObject({
      ok: false,
      reason: 'Merkle root of seq 1..10 differs from the checkpoint',
    });
    const start = { seq: 4, hash: events[3].hash };
    expect(verifyChain(events.slice(4), start)).toEqual({ ok: true, headSeq: 10, headHash: events[9].hash });
    expect(verifyChain(events.slice(5), start)).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect(verifyAgainstCheckpoint(events.slice(4), { seq: 8, hash: events[7].hash }, start).ok).toBe(true);
  });
});

// --- RFC 6962 known answers (transparency-dev/merkle proof/verify_test.go, Apache-2.0) ---------------------------

type InclusionArgs = Parameters<typeof verifyInclusion>;
type ConsistencyArgs = Parameters<typeof verifyConsistency>;

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** [leaf index (0-based), tree size, audit path]. */
const INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
/** [old size, new size, proof]. */
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';

const flipBit = (h: string, bit: number): string => {
  const bytes = hex(h);
  bytes[Math.floor(bit / 8) % bytes.length] ^= 1 << (bit % 8);
  return bytes.toString('hex');
};
/** Flips one bit of one element of a proof. */
const flipOne = (proof: string[], bit: number): string[] =>
  proof.map((p, j) => (j === bit % proof.length ? flipBit(p, bit) : p));

describe('RFC 6962 Merkle tree: known answers (L1)', () => {
  it('has the RFC 6962 roots for sizes 0 to 8', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
    ROOTS.forEach((root, i) => expect(merkleRoot(LEAVES.slice(0, i + 1))).toBe(root));
  });

  it.each(INCLUSION)(
    'builds and verifies the inclusion proof of leaf %d in a tree of %d',
    (index, size, proof) => {
      expect(inclusionProof(LEAVES.slice(0, size), index)).toEqual(proof);
      expect(verifyInclusion(LEAVES[index], index, size, proof, ROOTS[size - 1])).toBe(true);
    },
  );

  it.each(INCLUSION.filter(([, , p]) => p.length > 0))(
    'rejects every corruption of the proof of leaf %d in %d',
    (index, size, proof) => {
      const root = ROOTS[size - 1];
      const leaf = LEAVES[index];
      const probes: InclusionArgs[] = [
        [leaf, index - 1, size, proof, root],
        [leaf, index + 1, size, proof, root],
        [leaf, index ^ 2, size, proof, root],
        [leaf, index, size * 2, proof, root],
        [leaf, index, Math.floor(size / 2), proof, root],
        [Buffer.from('WrongLeaf'), index, size, proof, root],
        [leaf, index, size, proof, EMPTY_ROOT],
        [leaf, index, size, proof, SOME_HASH],
        [leaf, index, size, [...proof, ''], root],
        [leaf, index, size, [...proof, root], root],
        [leaf, index, size, ['', ...proof], root],
        [leaf, index, size, [root, ...proof], root],
        [leaf, index, size, proof.slice(0, -1), root],
        [leaf, index, size, [proof[0], SOME_HASH, ...proof.slice(1)], root],
        ...proof.map((_, i): InclusionArgs => [
          leaf,
          index,
          size,
          proof.map((p, j) => (j === i ? flipBit(p, 3) : p)),
          root,
        ]),
      ];
      for (const [l, i, s, p, r] of probes) expect(verifyInclusion(l, i, s, p, r)).toBe(false);
    },
  );

  it.each(CONSISTENCY)('builds and verifies the consistency proof from %d to %d', (m, n, proof) => {
    expect(consistencyProof(LEAVES.slice(0, n), m)).toEqual(proof);
    expect(verifyConsistency(m, n, proof, ROOTS[m - 1], ROOTS[n - 1])).toBe(true);
  });

  it.each(CONSISTENCY.filter(([, , p]) => p.length > 0))(
    'rejects every corruption of the consistency proof from %d to %d',
    (m, n, proof) => {
      const [r1, r2] = [ROOTS[m - 1], ROOTS[n - 1]];
      const probes: ConsistencyArgs[] = [
        [m - 1, n, proof, r1, r2],
        [m + 1, n, proof, r1, r2],
        [m ^ 2, n, proof, r1, r2],
        [m, n * 2, proof, r1, r2],
        [m, Math.floor(n / 2), proof, r1, r2],
        [m, n, proof, SOME_HASH, r2],
        [m, n, proof, r1, SOME_HASH],
        [m, n, proof, r2, r1],
        [m, n, [], r1, r2],
        [m, n, [...proof, ''], r1, r2],
        [m, n, [...proof, r1], r1, r2],
        [m, n, [...proof, r2], r1, r2],
        [m, n, ['', ...proof], r1, r2],
        [m, n, [r1, ...proof], r1, r2],
        [m, n, [r2, ...proof], r1, r2],
        [m, n, [proof[0], ...proof], r1, r2],
        [m, n, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): ConsistencyArgs => [
          m,
          n,
          proof.map((p, j) => (j === i ? flipBit(p, 4) : p)),
          r1,
          r2,
        ]),
      ];
      for (const [a, b, p, x, y] of probes) expect(verifyConsistency(a, b, p, x, y)).toBe(false);
    },
  );

  it('follows RFC 9162 on the edge cases of consistency', () => {
    const [a, b] = [SOME_HASH, EMPTY_ROOT];
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 1, [], a, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], b, b)).toBe(true);
    expect(verifyConsistency(0, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 2, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 1, [EMPTY_ROOT], b, b)).toBe(false);
    expect(verifyConsistency(0, 1, [EMPTY_ROOT], b, b)).toBe(false);
  });

  it('rejects an inclusion proof outside the tree, and documents that a proof alone does not bind the size', () => {
    expect(verifyInclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(LEAVES[0], 1, 1, [], ROOTS[0])).toBe(false);
    expect(() => inclusionProof(LEAVES, 8)).toThrow(RangeError);
    // RFC 6962 proofs commit to the root, not to the size: leaf 0's path in the tree of 5 also "verifies" with
    // size 6 against the size-5 root. Hence a checkpoint signs its size together with its root.
    const proof = inclusionProof(LEAVES.slice(0, 5), 0);
    expect(verifyInclusion(LEAVES[0], 0, 6, proof, ROOTS[4])).toBe(true);
  });
});

describe('RFC 6962 Merkle tree: round trip for every size up to 64 (L2)', () => {
  const leaves = Array.from({ length: 64 }, (_, i) => sha256(`leaf ${i}`));
  const roots = [EMPTY_ROOT, ...leaves.map((_, i) => merkleRoot(leaves.slice(0, i + 1)))];
  /** inclusion[size][index] and consistency[n][m], built once. */
  const inclusion: string[][][] = [];
  const consistency: string[][][] = [];
  for (let n = 1; n <= 64; n++) {
    inclusion[n] = leaves.slice(0, n).map((_, index) => inclusionProof(leaves.slice(0, n), index));
    consistency[n] = Array.from({ length: n + 1 }, (_, m) => consistencyProof(leaves.slice(0, n), m));
  }

  it('verifies the inclusion proof of every index in every size from 1 to 64', () => {
    for (let size = 1; size <= 64; size++) {
      for (let index = 0; index < size; index++) {
        expect(verifyInclusion(leaves[index], index, size, inclusion[size][index], roots[size])).toBe(true);
      }
    }
  });

  it('verifies the consistency proof of every pair m ≤ n ≤ 64', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m <= n; m++) {
        expect(verifyConsistency(m, n, consistency[n][m], roots[m], roots[n])).toBe(true);
      }
    }
  });

  it('rejects 10,000 random one-bit and structural mutations of an inclusion proof', () => {
    const arb = fc
      .integer({ min: 1, max: 64 })
      .chain((size) =>
        fc.tuple(fc.constant(size), fc.nat({ max: size - 1 }), fc.nat({ max: 7 }), fc.nat({ max: 255 })),
      );
    fc.assert(
      fc.property(arb, ([size, index, kind, bit]) => {
        const proof = inclusion[size][index];
        const leaf = leaves[index];
        const root = roots[size];
        const mutations: (() => InclusionArgs | undefined)[] = [
          () => [hex(flipBit(leaf.toString('hex'), bit)), index, size, proof, root],
          () => [leaf, index, size, proof, flipBit(root, bit)],
          () => (proof.length === 0 ? undefined : [leaf, index, size, flipOne(proof, bit), root]),
          () => [leaf, index ^ (1 << (bit % 7)), size, proof, root],
          () => [leaf, index, size * 2, proof, root],
          () => [leaf, index, Math.floor(size / 2), proof, root],
          () => (proof.length === 0 ? undefined : [leaf, index, size, proof.slice(0, -1), root]),
          () => [leaf, index, size, [...proof, root], root],
        ];
        const args = mutations[kind]();
        return args === undefined || !verifyInclusion(...args);
      }),
      { numRuns: 10_000, seed: 6962 },
    );
  });

  it('rejects 10,000 random one-bit and structural mutations of a consistency proof', () => {
    const arb = fc
      .integer({ min: 2, max: 64 })
      .chain((n) =>
        fc.tuple(
          fc.integer({ min: 1, max: n - 1 }),
          fc.constant(n),
          fc.nat({ max: 5 }),
          fc.nat({ max: 255 }),
        ),
      );
    fc.assert(
      fc.property(arb, ([m, n, kind, bit]) => {
        const proof = consistency[n][m];
        const [r1, r2] = [roots[m], roots[n]];
        // Every tree is consistent with the empty one, so m flipped to 0 is not a mutation that must fail.
        const flippedM = m ^ (1 << (bit % 7));
        const mutations: (() => ConsistencyArgs | undefined)[] = [
          () => [m, n, proof, flipBit(r1, bit), r2],
          () => [m, n, proof, r1, flipBit(r2, bit)],
          () => [m, n, flipOne(proof, bit), r1, r2],
          () => (flippedM === 0 ? undefined : [flippedM, n, proof, r1, r2]),
          () => [m, n * 2, proof, r1, r2],
          () => [m, n, proof.slice(0, -1), r1, r2],
        ];
        const args = mutations[kind]();
        return args === undefined || !verifyConsistency(...args);
      }),
      { numRuns: 10_000, seed: 9162 },
    );
  });
});
