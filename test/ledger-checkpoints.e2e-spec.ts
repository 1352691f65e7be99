/**
 * Ledger checkpoints: a verification from genesis records where it reached; a pack's verification starts from the
 * newest checkpoint (re-checking that event's hash), so it recomputes only what arrived since; the nightly job
 * recomputes every tenant from genesis and catches what a checkpoint cannot.
 */
import { DataSource } from 'typeorm';
import { withTenant } from '../src/database/tenant-scope.js';
import { JobsService } from '../src/evidence/jobs.service.js';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { IngestionService } from '../src/ingestion/ingestion.service.js';
import { verifyTenantLedger } from '../src/ingestion/ledger-verification.js';
import { systemActor } from '../src/tenancy/actor.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { receipt { accepted headSeq } } }`;

function event(i: number) {
  const kinds = ['detected', 'approved', 'deployment_started', 'deployed', 'verified'];
  return {
    kind: kinds[i % 5],
    occurredAt: new Date(Date.parse('2026-10-01T00:00:00Z') + i * 60_000).toISOString(),
    source: 'ninjaone',
    sourceEventId: `evt-${i}`,
    asset: { hostname: `srv-${String(i % 12).padStart(3, '0')}` },
    patch: { id: `KB50${String(Math.floor(i / 5) % 40).padStart(5, '0')}`, releasedAt: '2026-09-09' },
    cveIds: ['CVE-2026-21001'],
    actor: i % 5 === 1 ? 'alice' : 'bob',
  };
}

describe('ledger checkpoints (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let tenantId: string;
  let clientId: string;
  let ds: DataSource;

  const ingest = async (from: number, to: number) => {
    const e = Array.from({ length: to - from }, (_, k) => event(from + k));
    const r = await t.gql(admin, INGEST, { c: clientId, e });
    expect(r.errors).toBeUndefined();
    return r.data.ingestEvents.receipt as { accepted: number; headSeq: number };
  };
  const verify = (options: Parameters<typeof verifyTenantLedger>[2]) =>
    withTenant(ds, tenantId, (em) => verifyTenantLedger(em, tenantId, options));
  const checkpoints = async () =>
    (
      await ds.query(
        `SELECT seq::int AS seq, from_seq::int AS "fromSeq", events_checked::int AS checked
         FROM ledger_checkpoints WHERE tenant_id = $1 ORDER BY id`,
        [tenantId],
      )
    ).map((r: { seq: number; fromSeq: number; checked: number }) => r);
  const tamper = async (sql: string, params: unknown[]) => {
    await ds.query(`ALTER TABLE events DISABLE TRIGGER events_no_update`);
    try {
      await ds.query(sql, params);
    } finally {
      await ds.query(`ALTER TABLE events ENABLE TRIGGER events_no_update`);
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.tenant('Checkpoint MSP');
    admin = a.token;
    tenantId = a.id;
    const c = await t.gql(
      admin,
      `mutation { createClient(input: {name: "Contoso", frameworks: [pci_dss]}) { id } }`,
    );
    clientId = c.data.createClient.id;
    ds = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('records a checkpoint from genesis, then verifies only what arrived after it', async () => {
    expect((await ingest(0, 200)).headSeq).toBe(200);
    const full = await t.gql(admin, `{ verifyLedger { ok eventsChecked headSeq } }`);
    expect(full.data.verifyLedger).toEqual({ ok: true, eventsChecked: 200, headSeq: 200 });
    expect(await checkpoints()).toEqual([{ seq: 200, fromSeq: 0, checked: 200 }]);

    expect((await ingest(200, 260)).headSeq).toBe(260);
    const v = await verify({ fromCheckpoint: true });
    expect(v).toMatchObject({ ok: true, fromSeq: 200, eventsChecked: 60, headSeq: 260, firstBadSeq: null });
    expect(v.checkpointVerifiedAt).toEqual(expect.any(String));
    expect(v.genesisVerifiedAt).toEqual(v.checkpointVerifiedAt);
    expect((await checkpoints()).at(-1)).toEqual({ seq: 260, fromSeq: 200, checked: 60 });

    // Up to an earlier head (a pack's as-of): the newest checkpoint at or below it.
    const earlier = await verify({ fromCheckpoint: true, upToSeq: 230, record: false });
    expect(earlier).toMatchObject({ ok: true, fromSeq: 200, eventsChecked: 30 });
    // Nothing new since the last checkpoint: nothing to recompute, nothing recorded.
    const again = await verify({ fromCheckpoint: true });
    expect(again).toMatchObject({ ok: true, fromSeq: 260, eventsChecked: 0 });
    expect(await checkpoints()).toHaveLength(2);
  });

  it('states in the pack how the ledger was verified', async () => {
    const evidence = t.app.get(EvidenceService);
    const content = await evidence.preview(systemActor(tenantId), {
      clientId,
      period: { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) },
      asOf: Date.now(),
    });
    expect(content.provenance.ledger).toMatchObject({
      verified: true,
      headSeq: 260,
      firstBadSeq: null,
      verification: { fromSeq: 260, eventsChecked: 0, genesisVerifiedAt: expect.any(String) },
    });
  });

  it('fails from the checkpoint when the chain up to it was rewritten, naming the checkpointed event', async () => {
    // A rewrite that re-hashes everything consistently changes the hash at the checkpointed sequence.
    await tamper(`UPDATE events SET hash = repeat('a', 64) WHERE tenant_id = $1 AND seq = 260`, [tenantId]);
    const v = await verify({ fromCheckpoint: true, record: false });
    expect(v).toMatchObject({ ok: false, firstBadSeq: 260, fromSeq: 0 });
    expect(v.reason).toMatch(/no longer carries the hash verified at/);
  });

  it('leaves an edit behind the checkpoint to the verification from genesis, which the nightly job runs', async () => {
    // Undo the previous test's rewrite, then append past the checkpoint.
    await tamper(
      `UPDATE events SET hash = (SELECT hash FROM ledger_checkpoints WHERE tenant_id = $1 AND seq = 260) WHERE tenant_id = $1 AND seq = 260`,
      [tenantId],
    );
    await ingest(260, 261);
    await tamper(`UPDATE events SET actor = 'mallory' WHERE tenant_id = $1 AND seq = 50`, [tenantId]);
    // From the checkpoint (seq 260): event 50 is behind it and its hash column was left alone.
    expect(await verify({ fromCheckpoint: true, record: false })).toMatchObject({ ok: true, fromSeq: 260 });
    const nightly = await t.app.get(IngestionService).verifyFromGenesis(tenantId);
    expect(nightly).toMatchObject({ ok: false, firstBadSeq: 50, fromSeq: 0 });
    // The job logs the break and completes (no retry storm for a chain that will not heal by itself).
    const jobs = t.app.get(JobsService);
    await expect(jobs.verifyLedger(tenantId)).resolves.toBe(false);
    // The nightly run queues one verification per tenant.
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM tenants`);
    await expect(jobs.enqueueLedgerVerifications()).resolves.toBe(n);
  });
});
