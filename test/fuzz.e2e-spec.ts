/**
 * Bad input over the real HTTP stack (RELIABILITY.md B1, B2, B6): random NDJSON bodies — valid events next to
 * spoiled ones, any JSON, invalid UTF-8, raw control characters, lone surrogates, CRLF, blank lines, 1 MB lines —
 * never get a 5xx, and every line gets exactly one result, in order, before the receipt. Random `ingestEvents`
 * inputs over GraphQL never end in a 5xx or an internal error either.
 */
import fc from 'fast-check';
import { EVENT_KINDS } from '../src/ingestion/patch-event.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const KINDS: string[] = [...EVENT_KINDS];

/** Strings a validator or a database may choke on. */
const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfffy',
      '\ud83d',
      '\u202e',
      '\ufeff',
      '\u2028',
      '\\',
      '"',
      "'; DROP TABLE events; --",
      ' ',
    ),
  },
  { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((n) => 'Ω'.repeat(n)) },
);

/** Instants the service must accept: any time since 1970 and the wall clocks around DST changes, with offsets. */
const goodInstant = fc.oneof(
  fc
    .date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2026-10-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-10-14T09:30:00-05:00',
    '2026-03-08T01:59:59-05:00',
    '2026-03-08T03:00:00-04:00',
    '2026-11-01T01:30:00-04:00',
    '2026-11-01T01:30:00-05:00',
    '1970-01-01T00:00:00+00:00',
    '2026-10-14T23:30:00+14:00',
  ),
);
const badInstant = fc.constantFrom(
  '2026-10-14T09:30:00',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59+14:00',
  '2026-02-29T00:00:00Z',
  '2026-10-14T24:00:00Z',
  'yesterday',
  '',
);

/** A JSON value to put where a field goes: right type or wrong, any depth, any text. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.constantFrom(null, 0, -1, 2 ** 53 + 1, 1e308, true, [], {}),
);

const UNKNOWN_CLIENT = '00000000-0000-4000-8000-000000000000';
const EXCEPTION = {
  reason: 'vendor hold',
  compensatingControls: ['EDR'],
  owner: 'bob',
  approver: 'carol',
  expiresAt: '2027-01-01T00:00:00Z',
};

/** A valid event (unless the hostname is one the rules refuse): every kind, its companion fields, any raw. */
const validEvent = (clientId: string) =>
  fc.record(
    {
      kind: fc.constantFrom(...KINDS),
      occurredAt: goodInstant,
      source: fc.constantFrom('ninjaone', 'intune', 'fuzz'),
      sourceEventId: fc.uuid(),
      asset: fc.record({ hostname: fc.oneof(fc.constantFrom('srv-01', 'SRV-01', 'db-ü-02'), nastyString) }),
      patch: fc.constantFrom(
        { id: 'KB5034441', releasedAt: '2026-08-12' },
        { id: 'openssl@3.0.13-1~deb12u1' },
      ),
      cveIds: fc.array(fc.constantFrom('CVE-2024-21338', 'CVE-2026-21001'), { maxLength: 3 }),
      supersededBy: fc.constant('KB5035845'),
      exception: fc.constant(EXCEPTION),
      raw: anyJson,
      clientId: fc.constantFrom(clientId, clientId, clientId, UNKNOWN_CLIENT),
    },
    {
      requiredKeys: [
        'kind',
        'occurredAt',
        'source',
        'sourceEventId',
        'asset',
        'patch',
        'supersededBy',
        'exception',
      ],
    },
  );

/** An event, half the time spoiled in one or two fields (wrong type, bad value, missing, unknown field). */
function eventArb(clientId: string) {
  const spoil = fc.oneof(
    fc.tuple(
      fc.constantFrom(
        'kind',
        'source',
        'sourceEventId',
        'asset',
        'patch',
        'cveIds',
        'actor',
        'emergency',
        'extra',
        'clientId',
      ),
      fc.option(anyJson),
    ),
    fc.tuple(fc.constant('occurredAt'), fc.option(badInstant)),
  );
  return fc.tuple(validEvent(clientId), fc.array(spoil, { maxLength: 2 })).map(([event, spoils]) => {
    const e: Record<string, unknown> = { ...event };
    for (const [k, v] of spoils) {
      if (v === null) delete e[k];
      else e[k] = v;
    }
    return e;
  });
}

/** The same for GraphQL, within its types (wrong types are refused by GraphQL itself: see the regression test). */
function graphqlEventArb(clientId: string) {
  const spoil = fc.oneof(
    fc.tuple(
      fc.constantFrom(
        'kind',
        'source',
        'sourceEventId',
        'actor',
        'changeTicket',
        'errorCode',
        'ring',
        'vendorSeverity',
        'supersededBy',
      ),
      nastyString,
    ),
    fc.tuple(fc.constant('occurredAt'), badInstant),
    fc.tuple(fc.constant('cveIds'), fc.array(nastyString, { maxLength: 3 })),
    fc.tuple(
      fc.constant('asset'),
      nastyString.map((hostname) => ({ hostname, criticality: 'urgent' })),
    ),
  );
  return fc.tuple(validEvent(clientId), fc.array(spoil, { maxLength: 2 })).map(([event, spoils]) => {
    const e: Record<string, unknown> = {
      ...event,
      raw: typeof event.raw === 'string' ? event.raw : JSON.stringify(event.raw),
    };
    for (const [k, v] of spoils) e[k] = v;
    return e;
  });
}

const ONE_MB = 1 << 20;

/** One NDJSON line as bytes (without its line end). */
function lineArb(clientId: string): fc.Arbitrary<Buffer> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return fc.oneof(
    { weight: 10, arbitrary: eventArb(clientId).map((e) => text(JSON.stringify(e))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v))) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)) },
    // Raw (unescaped) control characters inside an otherwise valid event line.
    {
      weight: 1,
      arbitrary: eventArb(clientId).map((e) =>
        text(JSON.stringify(e).replace('"source":"', '"source":"\u0001\u0000\u001f')),
      ),
    },
    // Invalid UTF-8 inside a valid event line: a lone continuation byte, an overlong slash, a truncated sequence.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          eventArb(clientId),
          fc.constantFrom([0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xff]),
        )
        .map(([e, bad]) => {
          const line = JSON.stringify({ ...e, actor: 'MARK' });
          const at = line.indexOf('"MARK"') + 1;
          return Buffer.concat([text(line.slice(0, at)), Buffer.from(bad), text(line.slice(at + 4))]);
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          ' ',
          '\t',
          '\r',
          '{"a":1,"a":2}',
          '{"__proto__":{"x":1}}',
          `{"a":${'['.repeat(40)}${']'.repeat(40)}}`,
        )
        .map(text),
    },
    // A line of 1 MB: a huge string value, or a huge run of whitespace before a valid object.
    {
      weight: 1,
      arbitrary: fc
        .tuple(eventArb(clientId), fc.boolean())
        .map(([e, pad]) =>
          text(
            pad
              ? `${' '.repeat(ONE_MB)}${JSON.stringify(e)}`
              : JSON.stringify({ ...e, actor: 'a'.repeat(ONE_MB) }),
          ),
        ),
    },
  );
}

const bodyArb = (clientId: string) =>
  fc
    .tuple(
      fc.array(lineArb(clientId), { minLength: 0, maxLength: 12 }),
      fc.constantFrom('\n', '\r\n'),
      fc.boolean(),
    )
    .map(([lines, eol, trailing]) => {
      const parts: Buffer[] = [];
      lines.forEach((l, i) => {
        parts.push(l);
        if (i < lines.length - 1 || trailing) parts.push(Buffer.from(eol));
      });
      return Buffer.concat(parts);
    });

/**
 * The lines the service must answer: the body split at LF, a CR before the LF dropped, lines that decode to
 * whitespace only skipped (a trailing newline is not an event), over-long and undecodable lines answered.
 */
function expectedLines(body: Buffer, maxLineBytes: number): number {
  let n = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const pieces: Buffer[] = [];
  let from = 0;
  for (let nl = body.indexOf(0x0a); nl !== -1; nl = body.indexOf(0x0a, from)) {
    pieces.push(body.subarray(from, nl));
    from = nl + 1;
  }
  if (from < body.length) pieces.push(body.subarray(from));
  for (const piece of pieces) {
    if (piece.length > maxLineBytes) {
      n++;
      continue;
    }
    try {
      if (decoder.decode(piece.at(-1) === 0x0d ? piece.subarray(0, -1) : piece).trim() !== '') n++;
    } catch {
      n++;
    }
  }
  return n;
}

describe('fuzz: bad input over HTTP (e2e)', () => {
  let t: TestApp;
  let ingestKey: string;
  let clientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = (await t.tenant('Fuzz MSP')).token;
    const c = await t.gql(
      admin,
      `mutation { createClient(input: {name: "Fuzz Client", frameworks: [hipaa]}) { id } }`,
    );
    clientId = c.data.createClient.id;
    const k = await t.gql(admin, `mutation { createApiKey(input: {role: ingest, label: "fuzz"}) { token } }`);
    ingestKey = k.data.createApiKey.token;
  }, 60_000);
  afterAll(() => t.close());

  it('answers every NDJSON line exactly once, in order, then a receipt, and never with a 5xx', async () => {
    const maxLineBytes = t.config.ndjson.maxLineBytes;
    await fc.assert(
      fc.asyncProperty(bodyArb(clientId), async (body) => {
        const res = await t.http
          .post(`/v1/events?clientId=${clientId}`)
          .set('authorization', `Bearer ${ingestKey}`)
          .set('content-type', 'application/x-ndjson')
          .send(body);
        expect(res.status).toBeLessThan(500);
        expect(res.status).toBe(200);
        const answer = res.text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l));
        const last = answer.pop();
        expect(last).toHaveProperty('receipt');
        const n = expectedLines(body, maxLineBytes);
        expect(answer.map((a) => a.line)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        for (const a of answer) {
          expect(['accepted', 'duplicate', 'rejected']).toContain(a.status);
          if (a.status === 'rejected') {
            expect(typeof a.field).toBe('string');
            expect(typeof a.reason).toBe('string');
          }
        }
        const { accepted, duplicates, rejected, lines } = last.receipt;
        expect({ lines, total: accepted + duplicates + rejected }).toEqual({ lines: n, total: n });
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('answers random ingestEvents inputs without a 5xx or an internal error', async () => {
    const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) {
      results { index status field reason } receipt { accepted duplicates rejected } } }`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(graphqlEventArb(clientId), { maxLength: 6 }),
        fc.constantFrom(clientId, null, 'nope'),
        async (events, c) => {
          const res = await t.http
            .post('/graphql')
            .set('content-type', 'application/json')
            .set('authorization', `Bearer ${ingestKey}`)
            .send({ query: INGEST, variables: { c, e: events } });
          expect(res.status).toBeLessThan(500);
          const codes = (res.body.errors ?? []).map(
            (e: { extensions?: { code?: string } }) => e.extensions?.code,
          );
          expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
          if (res.status === 200 && !res.body.errors) {
            expect(res.body.data.ingestEvents.results).toHaveLength(events.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  // --- bugs the fuzzer found, fixed: each stays as a regression test ------------------------------------------

  const valid = (over: Record<string, unknown> = {}) => ({
    kind: 'detected',
    occurredAt: '2026-10-01T00:00:00Z',
    source: 'fuzz',
    sourceEventId: `known-bug-${Math.random().toString(36).slice(2)}`,
    asset: { hostname: 'srv-01' },
    patch: { id: 'KB5034441' },
    ...over,
  });
  const ndjson = (lines: unknown[]) =>
    t.http
      .post(`/v1/events?clientId=${clientId}`)
      .set('authorization', `Bearer ${ingestKey}`)
      .set('content-type', 'application/x-ndjson')
      .send(lines.map((l) => JSON.stringify(l)).join('\n'));

  it('a NUL in raw rejects that line, not the batch (jsonb refuses \\u0000)', async () => {
    const res = await ndjson([valid({ raw: { note: 'a\u0000b' } }), valid()]);
    expect(res.status).toBe(200);
    const [first, second] = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({ line: 1, status: 'rejected' });
    expect(second).toMatchObject({ line: 2, status: 'accepted' });
  });

  it('a lone surrogate in a text field rejects that line naming the field (canonicalJson refuses it)', async () => {
    const res = await ndjson([valid({ asset: { hostname: 'srv-\ud800' } }), valid()]);
    expect(res.status).toBe(200);
    const [first, second] = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({ line: 1, status: 'rejected', field: 'asset.hostname' });
    expect(second).toMatchObject({ line: 2, status: 'accepted' });
  });

  it('a GraphQL variable of the wrong type or with an unknown field is a 400, not a 500', async () => {
    const INGEST = `mutation($e: [EventInput!]!) { ingestEvents(clientId: "${UNKNOWN_CLIENT}", events: $e) { receipt { accepted } } }`;
    for (const e of [valid({ kind: 5 }), valid({ extra: 'x' })]) {
      const res = await t.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${ingestKey}`)
        .send({ query: INGEST, variables: { e: [e] } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});
