import { jest } from '@jest/globals';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { packOscalFiles } from '../src/evidence/oscal/pack-oscal.js';
import type { EvidencePackContent } from '../src/evidence/pack-content.js';
import { casesTable } from '../src/evidence/pack-tables.js';
import { MetricsService, monthPeriod } from '../src/metrics/metrics.service.js';
import { systemActor } from '../src/tenancy/actor.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { receipt { accepted rejected } results { status field reason } } }`;

function lifecycle(
  host: string,
  patch: string,
  detected: string,
  deployed: string | null,
  extra: Record<string, unknown> = {},
) {
  const base = {
    source: 'ninjaone',
    asset: { hostname: host },
    patch: { id: patch, releasedAt: detected.slice(0, 10) },
    cveIds: ['CVE-2024-1086'],
    vendorSeverity: 'critical',
    ...extra,
  };
  const out: unknown[] = [
    { ...base, kind: 'detected', occurredAt: detected, sourceEventId: `${host}-${patch}-d` },
  ];
  if (deployed) {
    out.push({
      ...base,
      kind: 'approved',
      occurredAt: detected.replace('T08', 'T09'),
      sourceEventId: `${host}-${patch}-a`,
      actor: 'Zoë Ångström',
      changeTicket: 'CHG001',
    });
    out.push({
      ...base,
      kind: 'deployed',
      occurredAt: deployed,
      sourceEventId: `${host}-${patch}-x`,
      actor: 'José Núñez',
    });
  }
  return out;
}

describe('evidence packs (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let tenantId: string;
  let clientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await t.tenant('Harbor IT');
    admin = tenant.token;
    tenantId = tenant.id;
    const c = await t.gql(
      admin,
      `mutation { createClient(input: {name: "Contoso Pharmacy", frameworks: [pci_dss], timeZone: "America/Denver"}) { id } }`,
    );
    clientId = c.data.createClient.id;
    const events = [
      ...lifecycle('pos-01', 'KB5044284', '2026-09-10T08:00:00Z', '2026-09-20T22:00:00Z'),
      ...lifecycle('pos-02', 'KB5044284', '2026-09-10T08:00:00Z', '2026-10-25T22:00:00Z'),
      ...lifecycle('db-zürich-01', 'KB5044284', '2026-09-10T08:00:00Z', null),
    ];
    const r = await t.gql(admin, INGEST, { c: clientId, e: events });
    expect(r.data.ingestEvents.receipt).toEqual({ accepted: 7, rejected: 0 });
  });
  afterAll(() => t.close());

  it('computes metrics with breaches listed by name, and the same October figures after late events', async () => {
    const q = `query($c: ID!, $asOf: DateTime) { remediationMetrics(clientId: $c, period: {month: "2026-10"}, asOf: $asOf) {
      policy slaCompliance { numerator denominator } breaches { hostname patchId daysLate } lateEvents } }`;
    // As of an instant after the first ingest (events are known from when they were received).
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date().toISOString();
    const before = await t.gql(admin, q, { c: clientId, asOf: cut });
    expect(before.errors).toBeUndefined();
    const m = before.data.remediationMetrics;
    expect(m.policy).toBe('pci-dss-6.3.3 v2');
    expect(m.breaches.map((b: { hostname: string }) => b.hostname).sort()).toEqual([
      'db-zürich-01',
      'pos-02',
    ]);
    // A late event about October (received after the cut) must not change October as of the cut.
    await t.gql(admin, INGEST, {
      c: clientId,
      e: [
        {
          kind: 'deployed',
          occurredAt: '2026-10-05T10:00:00Z',
          source: 'ninjaone',
          sourceEventId: 'late-1',
          asset: { hostname: 'db-zürich-01' },
          patch: { id: 'KB5044284' },
        },
      ],
    });
    const after = await t.gql(admin, q, { c: clientId, asOf: cut });
    expect(after.data.remediationMetrics.lateEvents).toBe(1);
    expect({ ...after.data.remediationMetrics, lateEvents: 0 }).toEqual({ ...m, lateEvents: 0 });
    const now = await t.gql(admin, q, { c: clientId, asOf: null });
    expect(now.data.remediationMetrics.breaches.map((b: { hostname: string }) => b.hostname)).toEqual([
      'pos-02',
    ]);
  });

  it('lists cases with cursor paging and filters', async () => {
    const page1 = await t.gql(
      admin,
      `query($c: ID!) { remediationCases(filter: {clientId: $c}, first: 2) { items { hostname state breached } endCursor hasNextPage } }`,
      { c: clientId },
    );
    expect(page1.data.remediationCases.items).toHaveLength(2);
    expect(page1.data.remediationCases.hasNextPage).toBe(true);
    const page2 = await t.gql(
      admin,
      `query($c: ID!, $a: String) { remediationCases(filter: {clientId: $c}, first: 2, after: $a) { items { hostname } hasNextPage } }`,
      { c: clientId, a: page1.data.remediationCases.endCursor },
    );
    expect(page2.data.remediationCases.items).toHaveLength(1);
    expect(page2.data.remediationCases.hasNextPage).toBe(false);
  });

  it('generates a signed pack through the job queue, downloads it, and verifies it; a flipped byte fails', async () => {
    const g = await t.gql(
      admin,
      `mutation($c: ID!) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}}) { id status } }`,
      { c: clientId },
    );
    expect(g.errors).toBeUndefined();
    const id = g.data.generateEvidencePack.id as string;
    let status = '';
    for (let i = 0; i < 120 && status !== 'ready' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await t.gql(admin, `query($id: ID!) { evidencePack(id: $id) { status } }`, { id })).data
        .evidencePack.status;
    }
    expect(status).toBe('ready');
    const dl = await t.http
      .get(`/v1/packs/${id}/download`)
      .set('authorization', `Bearer ${admin}`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(dl.status).toBe(200);
    const zip = dl.body as Buffer;
    const ok = await t.http.post('/v1/verify').set('content-type', 'application/zip').send(zip);
    expect(ok.body.ok).toBe(true);
    const bad = Buffer.from(zip);
    bad[Math.floor(bad.length / 3)] ^= 0xff;
    const tampered = await t.http.post('/v1/verify').set('content-type', 'application/zip').send(bad);
    expect(tampered.status).toBe(200);
    expect(tampered.body.ok).toBe(false);
    const log = await t.gql(admin, `{ accessLog { action subjectId } }`);
    expect(log.data.accessLog).toContainEqual({ action: 'pack.download', subjectId: id });
  });

  it('creates, versions and assigns a custom SLA policy; a bad version names its field', async () => {
    const create = (v: string) =>
      t.gql(
        admin,
        `mutation { createSlaPolicyVersion(input: {${v}}) { key versions { version description days } } }`,
      );
    const first = await create(
      `key: "harbor-30", name: "Harbor 30-day", effectiveFrom: "2026-01-01", clock: "detection", dayKind: "calendar", critical: 30, high: 30`,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data.createSlaPolicyVersion.versions).toEqual([
      { version: 1, description: 'Harbor 30-day: custom SLA policy', days: { critical: 30, high: 30 } },
    ]);
    const stale = await create(
      `key: "harbor-30", name: "Harbor 30-day", effectiveFrom: "2025-12-01", clock: "detection", dayKind: "calendar", critical: 14`,
    );
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'effectiveFrom' });
    const assigned = await t.gql(
      admin,
      `mutation($c: ID!) { assignSlaPolicy(clientId: $c, policy: "harbor-30") }`,
      {
        c: clientId,
      },
    );
    expect(assigned.data.assignSlaPolicy).toBe(true);
    const m = await t.gql(
      admin,
      `query($c: ID!) { remediationMetrics(clientId: $c, period: {month: "2026-10"}) { policy } }`,
      { c: clientId },
    );
    expect(m.data.remediationMetrics.policy).toMatch(/^harbor-30/);
    await t.gql(admin, `mutation($c: ID!) { assignSlaPolicy(clientId: $c, policy: "pci-dss-6.3.3") }`, {
      c: clientId,
    });
  });

  it('refuses a pack as of a future instant, naming the field', async () => {
    const g = await t.gql(
      admin,
      `mutation($c: ID!, $a: DateTime) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}, asOf: $a}) { id } }`,
      { c: clientId, a: new Date(Date.now() + 86_400_000).toISOString() },
    );
    expect(g.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOf' });
    expect(g.errors?.[0].message).toMatch(/future/);
  });

  it('lists the exceptions register, valid at the as-of instant', async () => {
    await t.gql(admin, INGEST, {
      c: clientId,
      e: [
        {
          kind: 'exception_granted',
          occurredAt: '2026-10-02T12:00:00Z',
          source: 'grc',
          sourceEventId: 'exc-1',
          asset: { hostname: 'db-zürich-01' },
          patch: { id: 'KB5044284' },
          exception: {
            reason: 'vendor does not support the update',
            compensatingControls: ['VLAN segmentation'],
            owner: 'Zoë Ångström',
            approver: 'CISO',
            expiresAt: '2027-04-01T00:00:00Z',
          },
        },
      ],
    });
    const r = await t.gql(
      admin,
      `query($c: ID!) { exceptions(clientId: $c) { hostname compensatingControls validAtAsOf } }`,
      { c: clientId },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.exceptions).toEqual([
      { hostname: 'db-zürich-01', compensatingControls: ['VLAN segmentation'], validAtAsOf: true },
    ]);
  });

  it('grants and expires a risk acceptance through the API, recorded in the ledger', async () => {
    const g = await t.gql(
      admin,
      `mutation($c: ID!) { grantException(input: {clientId: $c, hostname: "pos-01", patchId: "KB5044999", reason: "EOL terminal",
        compensatingControls: ["isolated VLAN"], owner: "Store ops", approver: "CISO", expiresAt: "2027-06-30T00:00:00Z"}) {
        results { status } } }`,
      { c: clientId },
    );
    expect(g.data.grantException.results).toEqual([{ status: 'accepted' }]);
    const list = async () =>
      (
        await t.gql(admin, `query($c: ID!) { exceptions(clientId: $c) { patchId validAtAsOf } }`, {
          c: clientId,
        })
      ).data.exceptions as { patchId: string; validAtAsOf: boolean }[];
    expect((await list()).find((e) => e.patchId === 'KB5044999')?.validAtAsOf).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    const x = await t.gql(
      admin,
      `mutation($c: ID!) { expireException(clientId: $c, hostname: "pos-01", patchId: "KB5044999") { results { status } } }`,
      { c: clientId },
    );
    expect(x.data.expireException.results).toEqual([{ status: 'accepted' }]);
    expect((await list()).find((e) => e.patchId === 'KB5044999')?.validAtAsOf).toBe(false);
    const viewer = await t.gql(
      admin,
      `mutation($c: ID!) { createApiKey(input: {role: client_viewer, clientId: $c}) { token } }`,
      {
        c: clientId,
      },
    );
    const denied = await t.gql(
      viewer.data.createApiKey.token,
      `mutation($c: ID!) { expireException(clientId: $c, hostname: "pos-01", patchId: "KB5044999") { results { status } } }`,
      { c: clientId },
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('draws the same change sample again from the same seed', async () => {
    const q = `query($c: ID!, $s: String) { changeSample(clientId: $c, period: {month: "2026-10"}, seed: $s, size: 5) {
      seed populationSize items method } }`;
    const first = await t.gql(admin, q, { c: clientId, s: null });
    expect(first.errors).toBeUndefined();
    const sample = first.data.changeSample;
    expect(sample.populationSize).toBeGreaterThan(0);
    const again = await t.gql(admin, q, { c: clientId, s: sample.seed });
    expect(again.data.changeSample).toEqual(sample);
  });

  it('lists the same evidence with cases loaded without their event ids as with every id loaded', async () => {
    const evidence = t.app.get(EvidenceService);
    const metrics = t.app.get(MetricsService);
    // As of now: cases with events received after the as-of instant are folded again (with their ids), the others
    // come from their stored folds.
    const pack = await evidence.request(systemActor(tenantId), { clientId, period: monthPeriod('2026-10') });
    const generatedAt = Date.now();
    // The first pack verifies the ledger from genesis and leaves a checkpoint; the two compared start from it.
    await evidence.content(tenantId, pack, generatedAt);
    const lean = await evidence.content(tenantId, pack, generatedAt);
    // The reference: every case loaded with all its ids (the scope's default), as packs were made before.
    const scope = metrics.scope.bind(metrics);
    const spy = jest
      .spyOn(metrics, 'scope')
      .mockImplementation((em, tenant, client, period, policyKey, asOf) =>
        scope(em, tenant, client, period, policyKey, asOf),
      );
    let full: EvidencePackContent;
    try {
      full = await evidence.content(tenantId, pack, generatedAt);
    } finally {
      spy.mockRestore();
    }
    expect(full.cases.every((c) => c.eventCount === undefined && c.eventIds.length > 0)).toBe(true);

    // Some trails are listed (the breaches' and exception's cases), some not; each count is the full count.
    expect(lean.cases.some((c) => c.eventIds.length > 0)).toBe(true);
    expect(lean.cases.some((c) => c.eventIds.length === 0)).toBe(true);
    lean.cases.forEach((c, i) => {
      expect(c.eventCount).toBe(full.cases[i].eventIds.length);
      if (c.eventIds.length > 0) expect(c.eventIds).toEqual(full.cases[i].eventIds);
    });
    const withoutTrails = (content: EvidencePackContent) => ({
      ...content,
      cases: content.cases.map(({ eventIds: _ids, eventCount: _count, ...c }) => c),
    });
    expect(withoutTrails(lean)).toEqual(withoutTrails(full));
    expect(lean.controls.some((c) => c.results.some((r) => r.eventIds.length > 0))).toBe(true);

    // And every file made from the content says the same: OSCAL (POA&M lists the trails) and the case table.
    const oscal = (content: EvidencePackContent) =>
      packOscalFiles(content).map((f) => [f.name, f.bytes.toString('utf8')]);
    expect(oscal(lean)).toEqual(oscal(full));
    const caseRows = (content: EvidencePackContent) => {
      const table = casesTable(content);
      return [...table.rows].map((row) => table.columns.map((column) => column.value(row)));
    };
    expect(caseRows(lean)).toEqual(caseRows(full));
  });
});
