import { DataSource } from 'typeorm';
import { APP_ROLE } from '../src/database/tenant-scope.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) {
  results { index status seq field reason } receipt { accepted duplicates rejected firstSeq lastSeq headSeq headHash } } }`;

function event(i: number, over: Record<string, unknown> = {}) {
  const kinds = ['detected', 'approved', 'deployment_started', 'deployed', 'verified'];
  const host = `srv-${String(i % 40).padStart(3, '0')}`;
  const patch = `KB50${String(Math.floor(i / 5) % 100).padStart(5, '0')}`;
  return {
    kind: kinds[i % 5],
    occurredAt: new Date(Date.parse('2026-09-01T00:00:00Z') + i * 60_000).toISOString(),
    source: 'ninjaone',
    sourceEventId: `evt-${i}`,
    asset: { hostname: host },
    patch: { id: patch, releasedAt: '2026-08-12' },
    cveIds: ['CVE-2026-21001'],
    actor: i % 5 === 1 ? 'alice' : 'bob',
    ...over,
  };
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('event ingestion (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let ingestKey: string;
  let clientId: string;
  let tenantId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.tenant('Harbor IT');
    admin = a.token;
    tenantId = a.id;
    const c = await t.gql(
      admin,
      `mutation { createClient(input: {name: "Northwind", frameworks: [pci_dss]}) { id } }`,
    );
    clientId = c.data.createClient.id;
    const k = await t.gql(admin, `mutation { createApiKey(input: {role: ingest, label: "rmm"}) { token } }`);
    ingestKey = k.data.createApiKey.token;
  });
  afterAll(() => t.close());

  it('answers each event: accepted, duplicate, or rejected naming the field', async () => {
    const r = await t.gql(ingestKey, INGEST, {
      c: clientId,
      e: [
        event(0, { sourceEventId: 'one' }),
        event(0, { sourceEventId: 'one' }),
        event(1, { occurredAt: '2026-10-01T10:00:00' }),
        event(2, { cveIds: ['CVE-1'] }),
        event(3, { kind: 'installed' }),
      ],
    });
    expect(r.errors).toBeUndefined();
    const res = r.data.ingestEvents.results;
    expect(res.map((x: { status: string }) => x.status)).toEqual([
      'accepted',
      'duplicate',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(res[2]).toMatchObject({ field: 'occurredAt' });
    expect(res[3]).toMatchObject({ field: 'cveIds[0]' });
    expect(res[4]).toMatchObject({ field: 'kind' });
    expect(r.data.ingestEvents.receipt).toMatchObject({
      accepted: 1,
      duplicates: 1,
      rejected: 3,
      firstSeq: 1,
      lastSeq: 1,
      headSeq: 1,
    });
    const conflict = await t.gql(ingestKey, INGEST, {
      c: clientId,
      e: [event(0, { sourceEventId: 'one', actor: 'mallory' })],
    });
    expect(conflict.data.ingestEvents.results[0]).toMatchObject({
      status: 'rejected',
      field: 'sourceEventId',
      reason: expect.stringMatching(/conflict/),
    });
  });

  it('rejects an unknown client and a batch over 1,000 without writing', async () => {
    const r = await t.gql(ingestKey, INGEST, {
      c: '00000000-0000-4000-8000-000000000000',
      e: [event(10_001)],
    });
    expect(r.data.ingestEvents.results[0]).toMatchObject({
      status: 'rejected',
      field: 'clientId',
      reason: 'unknown client',
    });
    const big = await t.gql(ingestKey, INGEST, {
      c: clientId,
      e: Array.from({ length: 1001 }, (_, i) => event(20_000 + i)),
    });
    expect(big.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('stores exactly the distinct events of 10,000 sent by 8 producers with 20% duplicates, in any order', async () => {
    const distinct = Array.from({ length: 10_000 }, (_, i) => event(100 + i));
    const dups = distinct.filter((_, i) => i % 5 === 0);
    const all = shuffle([...distinct, ...dups], 42);
    const producers = Array.from({ length: 8 }, (_, p) => all.filter((_, i) => i % 8 === p));
    const sendAll = (events: unknown[]) =>
      Promise.all(
        producers.map(async (_, p) => {
          const mine = events.filter((_, i) => i % 8 === p);
          const lines = mine.map((e) => JSON.stringify(e)).join('\n');
          const res = await t.http
            .post(`/v1/events?clientId=${clientId}`)
            .set('authorization', `Bearer ${ingestKey}`)
            .set('content-type', 'application/x-ndjson')
            .send(lines);
          expect(res.status).toBe(200);
          const out = res.text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
          return out;
        }),
      );
    const first = await sendAll(all);
    const receipts = first.map((o) => o.at(-1).receipt);
    expect(receipts.reduce((n, r) => n + r.accepted, 0)).toBe(10_000);
    expect(receipts.reduce((n, r) => n + r.duplicates, 0)).toBe(2_000);
    const ds = t.app.get(DataSource);
    const [{ n, max }] = await ds.query(
      `SELECT count(*)::int AS n, max(seq)::int AS max FROM events WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(n).toBe(10_001);
    expect(max).toBe(10_001);
    const v = await t.gql(admin, `{ verifyLedger { ok eventsChecked headSeq firstBadSeq } }`);
    expect(v.data.verifyLedger).toEqual({
      ok: true,
      eventsChecked: 10_001,
      headSeq: 10_001,
      firstBadSeq: null,
    });

    const again = await sendAll(shuffle(all, 7));
    expect(again.map((o) => o.at(-1).receipt.accepted)).toEqual(Array(8).fill(0));
    const [{ n: n2 }] = await ds.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [
      tenantId,
    ]);
    expect(n2).toBe(10_001);
    const [{ cases }] = await ds.query(
      `SELECT count(*)::int AS cases FROM remediation_cases WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(cases).toBeGreaterThan(0);
  });

  it('answers NDJSON lines with their line numbers, including malformed ones', async () => {
    const body = [
      JSON.stringify(event(50_000)),
      '{"kind": ',
      JSON.stringify({ ...event(50_001), kind: 'oops' }),
      '{"a":1,"a":2}',
      '[1,2]',
    ].join('\n');
    const res = await t.http
      .post(`/v1/events?clientId=${clientId}`)
      .set('authorization', `Bearer ${ingestKey}`)
      .set('content-type', 'application/x-ndjson')
      .send(body);
    const out = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.slice(0, 5).map((o) => [o.line, o.status])).toEqual([
      [1, 'accepted'],
      [2, 'rejected'],
      [3, 'rejected'],
      [4, 'rejected'],
      [5, 'rejected'],
    ]);
    expect(out[1].reason).toMatch(/malformed JSON/);
    expect(out[2].field).toBe('kind');
    expect(out[3].reason).toMatch(/duplicate key "a"/);
    expect(out[5].receipt).toMatchObject({ accepted: 1, rejected: 4, lines: 5 });
  });

  it('refuses UPDATE and DELETE of events to the app role', async () => {
    const ds = t.app.get(DataSource);
    await expect(
      ds.transaction(async (em) => {
        await em.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)`, [
          tenantId,
          APP_ROLE,
        ]);
        await em.query(`UPDATE events SET actor = 'x' WHERE seq = 1`);
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(ds.query(`DELETE FROM events WHERE tenant_id = $1 AND seq = 1`, [tenantId])).rejects.toThrow(
      /append-only/,
    );
  });

  it('names the altered or deleted sequence when a superuser tampers with the ledger', async () => {
    const ds = t.app.get(DataSource);
    const tamper = async (sql: string) => {
      await ds.query(`ALTER TABLE events DISABLE TRIGGER events_no_update`);
      try {
        await ds.query(sql, [tenantId]);
      } finally {
        await ds.query(`ALTER TABLE events ENABLE TRIGGER events_no_update`);
      }
    };
    await tamper(`UPDATE events SET actor = 'mallory' WHERE tenant_id = $1 AND seq = 500`);
    let v = await t.gql(admin, `{ verifyLedger { ok firstBadSeq reason } }`);
    expect(v.data.verifyLedger).toMatchObject({ ok: false, firstBadSeq: 500 });
    await tamper(
      `UPDATE events SET actor = (SELECT actor FROM events e2 WHERE e2.tenant_id = $1 AND e2.seq = 499 LIMIT 0) WHERE false`,
    );
    await tamper(`DELETE FROM events WHERE tenant_id = $1 AND seq IN (200, 500)`);
    v = await t.gql(admin, `{ verifyLedger { ok firstBadSeq reason } }`);
    expect(v.data.verifyLedger).toMatchObject({ ok: false, firstBadSeq: 200 });
    expect(v.data.verifyLedger.reason).toMatch(/missing/);
  });
});
