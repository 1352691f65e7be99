/**
 * Month-boundary figures (src/metrics/month-figures.ts) through the real ingest path and the real metrics read, on
 * PostgreSQL and on the embedded database: ingestion with its clock set across three months writes exactly the rows
 * the definition gives, a metrics read as of instants in and out of their validity gives the same figures as
 * re-folding every case from its events, and the migration's backfill writes the same rows again.
 */
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { backfillMonthFigures } from '../migrations/1764000000008-case-month-figures.js';
import { withTenant } from '../src/database/tenant-scope.js';
import { IngestionService } from '../src/ingestion/ingestion.service.js';
import { figuresWindowStart, mayEnterFigures } from '../src/metrics/compute-metrics.js';
import { MetricsService, monthPeriod } from '../src/metrics/metrics.service.js';
import { caseFigures } from '../src/metrics/remediation-case.js';
import { maxDueSpansMs } from '../src/metrics/sla-policy.js';
import { systemActor } from '../src/tenancy/actor.js';
import { TenancyService } from '../src/tenancy/tenancy.service.js';
import { VulnerabilityService } from '../src/vulnerabilities/vulnerability.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const at = (iso: string) => Date.parse(iso);
let ids = 0;
const ev = (host: string, kind: string, occurredAt: string) => ({
  source: 'ninjaone',
  sourceEventId: `m-${ids++}`,
  kind,
  occurredAt,
  vendorSeverity: 'critical',
  asset: { hostname: host },
  patch: { id: 'KB5044284' },
});

/** Ingestion's clock and what arrives then. */
const ARRIVALS: [string, ReturnType<typeof ev>[]][] = [
  [
    '2026-09-10T12:00:00Z',
    [ev('srv-a', 'detected', '2026-09-10T08:00:00Z'), ev('srv-c', 'detected', '2026-09-10T09:00:00Z')],
  ],
  [
    '2026-09-25T12:00:00Z',
    [ev('srv-b', 'detected', '2026-09-25T08:00:00Z'), ev('srv-d', 'detected', '2026-09-25T09:00:00Z')],
  ],
  // srv-b's September deploy arrives late, in October.
  [
    '2026-10-03T12:00:00Z',
    [ev('srv-a', 'deployed', '2026-10-03T08:00:00Z'), ev('srv-b', 'deployed', '2026-09-28T08:00:00Z')],
  ],
  ['2026-10-20T12:00:00Z', [ev('srv-d', 'deployed', '2026-10-20T08:00:00Z')]],
  ['2026-11-02T12:00:00Z', [ev('srv-d', 'rolled_back', '2026-11-02T08:00:00Z')]],
];

describe('month-boundary figures (e2e)', () => {
  let t: TestApp;
  let tenantId: string;
  let clientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenantId = (await t.tenant('Month End MSP')).id;
    const actor = systemActor(tenantId, 'test');
    const client = await t.app
      .get(TenancyService)
      .createClient(actor, { name: 'Harbour Dental', frameworks: ['hipaa'], timeZone: 'UTC' });
    clientId = client.id;
    const ingestion = t.app.get(IngestionService);
    for (const [now, events] of ARRIVALS) {
      const out = await ingestion.ingest(actor, events, { defaultClientId: clientId, now: at(now) });
      expect(out.results.filter((r) => r.status !== 'accepted')).toEqual([]);
    }
  });
  afterAll(() => t.close());

  const storedRows = () =>
    withTenant(t.app.get(DataSource), tenantId, async (em) => {
      const rows: { host: string; as_of: Date; valid_to: Date; figures: { hostname: string } }[] =
        await em.query(
          `SELECT figures->>'hostname' AS host, as_of, valid_to, figures FROM case_month_figures ORDER BY 1, 2`,
        );
      return rows.map((r) => ({
        host: r.host,
        asOf: new Date(r.as_of).toISOString(),
        validTo: new Date(r.valid_to).toISOString(),
        figures: r.figures,
      }));
    });

  it('writes a row for each boundary a case changed across, valid until its next change', async () => {
    const rows = await storedRows();
    expect(rows.map(({ figures: _f, ...r }) => r)).toEqual([
      // Open on 1 October, deployed on 3 October.
      { host: 'srv-a', asOf: '2026-10-01T00:00:00.000Z', validTo: '2026-10-03T12:00:00.000Z' },
      // Deployed on 28 September, but known only from 3 October (received then).
      { host: 'srv-b', asOf: '2026-10-01T00:00:00.000Z', validTo: '2026-10-03T12:00:00.000Z' },
      // srv-c never changed after its detection: none. srv-d changed across both boundaries.
      { host: 'srv-d', asOf: '2026-10-01T00:00:00.000Z', validTo: '2026-10-20T12:00:00.000Z' },
      { host: 'srv-d', asOf: '2026-11-01T00:00:00.000Z', validTo: '2026-11-02T12:00:00.000Z' },
    ]);
    // As of 1 October srv-b is still open: its deploy was not known yet.
    expect(rows[1].figures).not.toHaveProperty('closedAt');
    expect(rows[3].figures).toHaveProperty('closedAt', at('2026-10-20T08:00:00Z'));
  });

  it('reads the same figures as re-folding every case, using the rows where they are valid', async () => {
    const metrics = t.app.get(MetricsService);
    const refold = jest.spyOn(metrics as unknown as { refoldAsOf: () => unknown }, 'refoldAsOf');
    await withTenant(t.app.get(DataSource), tenantId, async (em) => {
      const policy = await metrics.resolvePolicy(em, 'fedramp-ra-5d');
      const cases = [
        // [asOf, month, cases re-folded from their events]
        ['2026-10-01T00:00:00Z', '2026-09', []],
        ['2026-10-02T23:00:00Z', '2026-09', []],
        // srv-a and srv-b are final from 3 October: their stored folds; srv-d still from its 1 October row.
        ['2026-10-04T00:00:00Z', '2026-09', []],
        // srv-d changed on 20 October, after its row's validity, and again later: re-folded.
        ['2026-10-25T00:00:00Z', '2026-10', ['srv-d']],
        ['2026-11-01T00:00:00Z', '2026-10', []],
        ['2026-11-01T13:00:00Z', '2026-10', []],
        // No row before a case's first boundary (1 September: none of them was known yet): re-folded.
        ['2026-09-30T00:00:00Z', '2026-09', ['srv-a', 'srv-b', 'srv-d']],
      ] as const;
      for (const [asOfIso, month, refolded] of cases) {
        const asOf = at(asOfIso);
        const figuresFrom = {
          windowStart: figuresWindowStart(monthPeriod(month)),
          dueSpans: maxDueSpansMs(policy),
        };
        refold.mockClear();
        const read = await metrics.figuresAsOf(em, tenantId, clientId, asOf, figuresFrom);
        const keys = refold.mock.calls.flatMap(
          (call) => (call as unknown as [unknown, unknown, string[]])[2],
        );
        const hostOf = (key: string) => read.find((c) => c.key === key)?.hostname;
        expect({ asOfIso, refolded: keys.map(hostOf).sort() }).toEqual({ asOfIso, refolded: [...refolded] });

        // The reference: every case re-folded from its events as of asOf (casesAsOf re-folds every touched case).
        const all = await metrics.casesAsOf(em, tenantId, clientId, asOf, { eventIds: false });
        const rows: { case_key: string; max_occurred_at: Date }[] = await em.query(
          `SELECT case_key, max_occurred_at FROM remediation_cases WHERE client_id = $1`,
          [clientId],
        );
        const maxOccurred = new Map(rows.map((r) => [r.case_key, new Date(r.max_occurred_at).getTime()]));
        const stale = (c: { lastReceivedAt: number; key: string }) =>
          c.lastReceivedAt > asOf || maxOccurred.get(c.key)! > asOf;
        const expected = all.filter(
          (c) =>
            stale(c) ||
            mayEnterFigures(c, maxOccurred.get(c.key)!, figuresFrom.windowStart, figuresFrom.dueSpans),
        );
        expect({ asOfIso, read }).toEqual({ asOfIso, read: expected.map((c) => caseFigures(c)) });
      }
    });
    refold.mockRestore();
  });

  it('the migration backfill writes the same rows from the stored events', async () => {
    const before = await storedRows();
    // The service's role may not delete them; the test's connection (the schema owner) may.
    await t.app.get(DataSource).query(`DELETE FROM case_month_figures WHERE tenant_id = $1`, [tenantId]);
    expect(await storedRows()).toEqual([]);
    // As the migration runs it (as the schema owner, every tenant), with the clock after the last arrival.
    await backfillMonthFigures(t.app.get(DataSource), at('2026-11-05T00:00:00Z'));
    expect(await storedRows()).toEqual(before);
  });
  it('a KEV listing imported after the events re-folds the cases carrying it, their month rows included', async () => {
    const actor = systemActor(tenantId, 'test');
    const client = await t.app
      .get(TenancyService)
      .createClient(actor, { name: 'Late Listing Clinic', frameworks: ['hipaa'], timeZone: 'UTC' });
    const cve = 'CVE-2026-99001';
    const event = (kind: string, occurredAt: string) => ({
      ...ev('srv-kev', kind, occurredAt),
      patch: { id: 'KB5099001' },
      cveIds: [cve],
      vendorSeverity: 'low',
    });
    const ingestion = t.app.get(IngestionService);
    for (const [now, e] of [
      ['2026-09-05T12:00:00Z', event('detected', '2026-09-05T08:00:00Z')],
      ['2026-10-10T12:00:00Z', event('deployed', '2026-10-10T08:00:00Z')],
    ] as const)
      await ingestion.ingest(actor, [e], { defaultClientId: client.id, now: at(now) });
    const stored = () =>
      withTenant(t.app.get(DataSource), tenantId, async (em) => {
        const [c] = await em.query(
          `SELECT kev, severity, kev_added_at, kev_due_at FROM remediation_cases WHERE client_id = $1`,
          [client.id],
        );
        const [m] = await em.query(
          `SELECT m.as_of, m.valid_to, m.figures->>'kevDueAt' AS kev_due FROM case_month_figures m
           JOIN remediation_cases c USING (tenant_id, case_key) WHERE c.client_id = $1`,
          [client.id],
        );
        return { kev: c.kev, severity: c.severity, kevDueAt: c.kev_due_at, row: m };
      });
    const before = await stored();
    expect(before).toMatchObject({ kev: false, severity: 'low', kevDueAt: null });
    expect(new Date(before.row.valid_to).toISOString()).toBe('2026-10-10T12:00:00.000Z');

    const result = await t.app.get(VulnerabilityService).importKev({
      title: 'CISA Catalog of Known Exploited Vulnerabilities',
      catalogVersion: '2026.09.15',
      dateReleased: '2026-09-15T17:00:00.000Z',
      count: 1,
      vulnerabilities: [
        {
          cveID: cve,
          vendorProject: 'Microsoft',
          product: 'Windows',
          vulnerabilityName: 'Test elevation of privilege',
          dateAdded: '2026-09-15',
          shortDescription: 'test',
          requiredAction: 'Apply updates.',
          dueDate: '2026-10-06',
          knownRansomwareCampaignUse: 'Unknown',
          notes: '',
        },
      ],
    });
    expect(result.casesRefolded).toBe(1);
    const after = await stored();
    expect(after).toMatchObject({ kev: true });
    expect(new Date(after.kevDueAt).toISOString()).toBe('2026-10-06T23:59:59.999Z');
    // As of 1 October the case was already listed (15 September): the row says so, and is still valid until the deploy.
    expect(Number(after.row.kev_due)).toBe(at('2026-10-06T23:59:59.999Z'));
    expect(new Date(after.row.valid_to).toISOString()).toBe('2026-10-10T12:00:00.000Z');
  });
});
