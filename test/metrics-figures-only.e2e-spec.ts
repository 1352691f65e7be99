/**
 * A metrics request reads only the stored cases that can enter one of its figures (`mayEnterFigures`, written in
 * SQL against columns filled at ingest). The SQL must select exactly what the function selects, and the figures must
 * not change, on PostgreSQL and on the embedded database.
 */
import { DataSource, type EntityManager } from 'typeorm';
import { backfillCaseFigures } from '../migrations/1764000000007-case-figures.js';
import { withTenant } from '../src/database/tenant-scope.js';
import { figuresWindowStart, mayEnterFigures } from '../src/metrics/compute-metrics.js';
import { caseFigures, STORED_FIGURES_MAX_BYTES } from '../src/metrics/remediation-case.js';
import { MetricsService, monthPeriod } from '../src/metrics/metrics.service.js';
import { maxDueSpansMs } from '../src/metrics/sla-policy.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { receipt { accepted rejected } } }`;

/** October's windows with the trend, under FedRAMP RA-5(d). */
async function octoberWindow(metrics: MetricsService, em: EntityManager) {
  const policy = await metrics.resolvePolicy(em, 'fedramp-ra-5d');
  return { windowStart: figuresWindowStart(monthPeriod('2026-10')), dueSpans: maxDueSpansMs(policy) };
}

let drafts = 0;
/** One event as an RMM sends it, with a source id of its own. */
function draft(host: string, patch: string, kind: string, occurredAt: string, vendorSeverity: string) {
  return {
    source: 'ninjaone',
    sourceEventId: `q-${drafts++}`,
    kind,
    occurredAt,
    vendorSeverity,
    asset: { hostname: host },
    patch: { id: patch },
  };
}

describe('metrics read only the cases that can enter a figure (e2e)', () => {
  let t: TestApp;
  let tenant: { id: string; token: string };
  let clientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.tenant('Quiet Cases MSP');
    const c = await t.gql(
      tenant.token,
      `mutation { createClient(input: {name: "Old Mill Surgery", frameworks: [hipaa], timeZone: "Europe/London"}) { id } }`,
    );
    clientId = c.data.createClient.id;
    const ev = (host: string, patch: string, kind: string, occurredAt: string, vendorSeverity = 'critical') =>
      draft(host, patch, kind, occurredAt, vendorSeverity);
    const events = [
      // Closed in February, due in March: enters nothing from May on (October's trend starts in May).
      ev('srv-old', 'KB1', 'detected', '2026-02-01T08:00:00Z'),
      ev('srv-old', 'KB1', 'deployed', '2026-02-05T08:00:00Z'),
      // Closed in April, critical due 20 May (FedRAMP: 30 days): May's trend point.
      ev('srv-may', 'KB2', 'detected', '2026-04-20T08:00:00Z'),
      ev('srv-may', 'KB2', 'deployed', '2026-04-25T08:00:00Z'),
      // Medium, closed in February: due 2 May (90 days), in May's window.
      ev('srv-medium', 'KB3', 'detected', '2026-02-01T08:00:00Z', 'medium'),
      ev('srv-medium', 'KB3', 'deployed', '2026-02-02T08:00:00Z', 'medium'),
      // Low, closed in January: due in July (180 days).
      ev('srv-low', 'KB4', 'detected', '2026-01-05T08:00:00Z', 'low'),
      ev('srv-low', 'KB4', 'deployed', '2026-01-06T08:00:00Z', 'low'),
      // Closed in March, rolled back in June: open again inside the window.
      ev('srv-back', 'KB5', 'detected', '2026-03-01T08:00:00Z'),
      ev('srv-back', 'KB5', 'deployed', '2026-03-03T08:00:00Z'),
      ev('srv-back', 'KB5', 'rolled_back', '2026-06-02T08:00:00Z'),
      // Open since January (due 9 February): a breach carried into every month.
      ev('srv-open', 'KB6', 'detected', '2026-01-10T08:00:00Z'),
      // Closed in January with no deadline of its own (severity none): nothing.
      ev('srv-none', 'KB7', 'detected', '2026-01-10T08:00:00Z', 'none'),
      ev('srv-none', 'KB7', 'deployed', '2026-01-11T08:00:00Z', 'none'),
      // Sixty failed attempts in October, then one that works: figures too large for the index, read from the fold.
      ev('srv-flaky', 'KB8', 'detected', '2026-10-01T08:00:00Z'),
      ...Array.from({ length: 60 }, (_, i) =>
        ev(
          'srv-flaky',
          'KB8',
          'failed',
          `2026-10-${String(2 + Math.floor(i / 3)).padStart(2, '0')}T${String(i % 20).padStart(2, '0')}:00:00Z`,
        ),
      ),
      ev('srv-flaky', 'KB8', 'deployed', '2026-10-25T08:00:00Z'),
    ];
    const r = await t.gql(tenant.token, INGEST, { c: clientId, e: events });
    expect(r.data.ingestEvents.receipt).toEqual({ accepted: events.length, rejected: 0 });
  });
  afterAll(() => t.close());

  it('selects in SQL exactly the cases the function selects, and the figures are the same', async () => {
    const metrics = t.app.get(MetricsService);
    const october = monthPeriod('2026-10');
    const asOf = Date.now();
    await withTenant(t.app.get(DataSource), tenant.id, async (em) => {
      const policy = await metrics.resolvePolicy(em, 'fedramp-ra-5d');
      const figuresFrom = { windowStart: figuresWindowStart(october), dueSpans: maxDueSpansMs(policy) };
      const all = await metrics.casesAsOf(em, tenant.id, clientId, asOf, { eventIds: false });
      const read = await metrics.figuresAsOf(em, tenant.id, clientId, asOf, figuresFrom);
      const rows: { case_key: string; max_occurred_at: Date }[] = await em.query(
        `SELECT case_key, max_occurred_at FROM remediation_cases WHERE client_id = $1`,
        [clientId],
      );
      const maxOccurred = new Map(rows.map((r) => [r.case_key, new Date(r.max_occurred_at).getTime()]));
      const expected = all.filter((c) =>
        mayEnterFigures(c, maxOccurred.get(c.key)!, figuresFrom.windowStart, figuresFrom.dueSpans),
      );
      const hosts = (cases: { hostname: string }[]) => cases.map((c) => c.hostname).sort();
      expect(hosts(read)).toEqual(hosts(expected));
      expect(hosts(read)).toEqual(['srv-back', 'srv-flaky', 'srv-low', 'srv-may', 'srv-medium', 'srv-open']);
      // The figures read are the folds' figures, whether from the index or (srv-flaky, stored NULL) from the fold.
      expect(read).toEqual(expected.map((c) => caseFigures(c)));
      const stored: { hostname: string; figures: unknown }[] = await em.query(
        `SELECT data ->> 'hostname' AS hostname, figures FROM remediation_cases WHERE client_id = $1 ORDER BY 1`,
        [clientId],
      );
      expect(stored.filter((r) => r.figures === null).map((r) => r.hostname)).toEqual(['srv-flaky']);
      const flaky = expected.find((c) => c.hostname === 'srv-flaky')!;
      expect(Buffer.byteLength(JSON.stringify(caseFigures(flaky)))).toBeGreaterThan(STORED_FIGURES_MAX_BYTES);

      const client = await metrics.clientRef(em, clientId);
      const narrow = (await metrics.figuresScope(em, tenant.id, client, october, 'fedramp-ra-5d', asOf))
        .report;
      const wide = (await metrics.scope(em, tenant.id, client, october, 'fedramp-ra-5d', asOf)).report;
      expect(narrow).toEqual(wide);
      expect(wide.patchSuccess).toMatchObject({ numerator: 1, denominator: 61 });
      // May: srv-may and srv-medium on time, srv-open overdue since February.
      expect(wide.trend.find((p) => p.month === '2026-05')?.slaCompliance).toMatchObject({
        numerator: 2,
        denominator: 3,
      });

      // Without the trend only October's window is judged: the two cases open in it, and the same figures.
      const periodOnly = { windowStart: figuresWindowStart(october, false), dueSpans: figuresFrom.dueSpans };
      const readNoTrend = await metrics.figuresAsOf(em, tenant.id, clientId, asOf, periodOnly);
      expect(hosts(readNoTrend)).toEqual(['srv-back', 'srv-flaky', 'srv-open']);
      const noTrend = await metrics.figuresScope(
        em,
        tenant.id,
        client,
        october,
        'fedramp-ra-5d',
        asOf,
        false,
      );
      expect(hosts(noTrend.cases)).toEqual(['srv-back', 'srv-flaky', 'srv-open']);
      expect(noTrend.report).toEqual({ ...wide, trend: [] });
    });
  });

  it('reads the figures from the index alone, and the migration fills them as ingestion does', async () => {
    const metrics = t.app.get(MetricsService);
    await withTenant(t.app.get(DataSource), tenant.id, async (em) => {
      const figuresFrom = await octoberWindow(metrics, em);
      const before = await metrics.figuresAsOf(em, tenant.id, clientId, Date.now(), figuresFrom);
      // With a handful of rows the planner would rather read the table: forbid it, to learn whether the index can
      // answer alone (a column added to the query but not to the index would turn this into an Index Scan).
      await em.query(`SET LOCAL enable_seqscan = off`);
      await em.query(`SET LOCAL enable_bitmapscan = off`);
      const queries: string[] = [];
      const query = em.query.bind(em);
      em.query = (async (sql: string, params?: unknown[]) => {
        queries.push(sql);
        return query(sql, params);
      }) as typeof em.query;
      await metrics.figuresAsOf(em, tenant.id, clientId, Date.now(), figuresFrom);
      em.query = query;
      const figuresSql = queries.find((q) => q.includes('FROM remediation_cases c WHERE'))!;
      const plan: { 'QUERY PLAN': string }[] = await em.query(`EXPLAIN ${figuresSql}`, [
        tenant.id,
        clientId,
        new Date().toISOString(),
        new Date(figuresFrom.windowStart).toISOString(),
        ...['critical', 'high', 'medium', 'low', 'none'].map(() => '2026-01-01T00:00:00Z'),
        '2026-11-01T00:00:00Z',
      ]);
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(
        /Index Only Scan using cases_client_figures/,
      );

      // The migration's backfill writes what ingestion wrote.
      const stored = async () =>
        em.query(
          `SELECT case_key, figures::text AS f FROM remediation_cases WHERE client_id = $1 ORDER BY 1`,
          [clientId],
        );
      const written = await stored();
      await em.query(`UPDATE remediation_cases SET figures = NULL WHERE client_id = $1`, [clientId]);
      await backfillCaseFigures(em);
      expect(await stored()).toEqual(written);
      expect(await metrics.figuresAsOf(em, tenant.id, clientId, Date.now(), figuresFrom)).toEqual(before);
    });
  });

  it('re-folds the cases touched after asOf, with their hostnames, as casesAsOf does', async () => {
    const c = await t.gql(
      tenant.token,
      `mutation { createClient(input: {name: "Late Mill Clinic", frameworks: [hipaa], timeZone: "UTC"}) { id } }`,
    );
    const lateClient: string = c.data.createClient.id;
    const ev = (host: string, kind: string, occurredAt: string) =>
      draft(host, 'KB9', kind, occurredAt, 'high');
    const first = [
      ev('srv-a', 'detected', '2026-10-02T08:00:00Z'),
      ev('srv-a', 'deployed', '2026-10-03T08:00:00Z'),
      ev('srv-b', 'detected', '2026-10-02T08:00:00Z'),
    ];
    expect((await t.gql(tenant.token, INGEST, { c: lateClient, e: first })).errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 5));
    const asOf = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    const second = [
      ev('srv-a', 'rolled_back', '2026-10-04T08:00:00Z'),
      ev('srv-b', 'deployed', '2026-10-05T08:00:00Z'),
    ];
    expect((await t.gql(tenant.token, INGEST, { c: lateClient, e: second })).errors).toBeUndefined();

    const metrics = t.app.get(MetricsService);
    await withTenant(t.app.get(DataSource), tenant.id, async (em) => {
      const figuresFrom = await octoberWindow(metrics, em);
      const read = await metrics.figuresAsOf(em, tenant.id, lateClient, asOf, figuresFrom);
      const folds = await metrics.casesAsOf(em, tenant.id, lateClient, asOf, { eventIds: false });
      expect(read).toEqual(folds.map((f) => caseFigures(f)));
      // As of then: srv-a deployed and not yet rolled back, srv-b open.
      const byHost = [...read].sort((x, y) => x.hostname.localeCompare(y.hostname));
      expect(byHost.map((f) => [f.hostname, f.closedAt !== undefined, f.attempts.length])).toEqual([
        ['srv-a', true, 1],
        ['srv-b', false, 0],
      ]);
      expect(read.every((f) => f.lastReceivedAt <= asOf)).toBe(true);
    });
  });

  it('reads the trend’s months only when the query selects the trend, with the same figures either way', async () => {
    const figures = `policy casesConsidered eventsConsidered slaCompliance { numerator denominator value }
      breaches { hostname patchId daysLate deadlineBasis } ttr { count median p90 } kevOnTime { numerator denominator }
      patchSuccess { numerator denominator } rollbackRate { numerator denominator } halfLifeDays lateEvents`;
    // Which cases each request read: the service's own scope call, observed.
    const metrics = t.app.get(MetricsService);
    const scope = metrics.figuresScope.bind(metrics);
    const reads: string[][] = [];
    metrics.figuresScope = async (...args: Parameters<MetricsService['figuresScope']>) => {
      const s = await scope(...args);
      reads.push(s.cases.map((c) => c.hostname).sort());
      return s;
    };
    const ask = async (selection: string, fragments = '') => {
      const r = await t.gql(
        tenant.token,
        `query($c: ID!) { remediationMetrics(clientId: $c, period: {month: "2026-10"}, policy: "fedramp-ra-5d") { ${selection} } } ${fragments}`,
        { c: clientId },
      );
      expect(r.errors).toBeUndefined();
      return r.data.remediationMetrics;
    };
    const without = await ask(figures);
    const withTrend = await ask(`${figures} trend { month }`);
    const withReport = await ask(`${figures} report`);
    const viaFragment = await ask(`${figures} ...T`, 'fragment T on RemediationMetrics { trend { month } }');
    const { trend, ...rest } = withTrend;
    expect(without).toEqual(rest);
    expect(without.slaCompliance).toEqual({ numerator: 1, denominator: 3, value: 1 / 3 });
    expect(without.breaches.map((b: { hostname: string }) => b.hostname).sort()).toEqual([
      'srv-back',
      'srv-open',
    ]);
    expect(trend).toHaveLength(6);
    expect(viaFragment.trend).toEqual(trend);
    expect(withReport.report.trend).toHaveLength(6);
    metrics.figuresScope = scope;
    const narrow = ['srv-back', 'srv-flaky', 'srv-open'];
    const wide = ['srv-back', 'srv-flaky', 'srv-low', 'srv-may', 'srv-medium', 'srv-open'];
    expect(reads).toEqual([narrow, wide, wide, wide]);
  });

  it('answers the GraphQL request with the figures of every case', async () => {
    const q = `query($c: ID!) { remediationMetrics(clientId: $c, period: {month: "2026-10"}, policy: "fedramp-ra-5d") {
      casesConsidered trend { month slaCompliance { numerator denominator } openAtMonthEnd } } }`;
    const r = await t.gql(tenant.token, q, { c: clientId });
    expect(r.errors).toBeUndefined();
    const may = r.data.remediationMetrics.trend.find((p: { month: string }) => p.month === '2026-05');
    expect(may.slaCompliance).toEqual({ numerator: 2, denominator: 3 });
  });
});
