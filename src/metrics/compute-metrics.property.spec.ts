/**
 * Random event histories (every lifecycle kind, ties in time, late receipts, resends) against the promises the
 * packs rest on: arrival order changes nothing, re-folding one case per arriving event (the service's incremental
 * path) gives what the reference fold gives, and events received after asOf change nothing.
 */
import fc from 'fast-check';

import { EVENT_KINDS, type EventKind, type LedgerEvent } from '../ingestion/patch-event.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import { computeMetrics, figuresWindowStart, mayEnterFigures, type MetricsInput } from './compute-metrics.js';
import type { MetricsReport } from './metrics-report.js';
import { storedFigures, type RemediationCase } from './remediation-case.js';
import { batchMonthWindow, monthBoundaryFigures, visibleFrom, type MonthFigures } from './month-figures.js';
import {
  caseKey,
  foldAll,
  foldRemediationCase,
  groupByCase,
  kevListedAt,
  visibleAt,
} from './remediation-case.fold.js';
import { maxDueSpansMs } from './sla-policy.js';
import type { SlaPolicy } from './sla-policy.types.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BASE = Date.parse('2026-09-01T00:00:00Z');
const PERIOD = { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-11-01T00:00:00Z') };

const FACTS = new Map<string, VulnerabilityFact>([
  [
    'CVE-KEV',
    {
      cveId: 'CVE-KEV',
      publishedAt: BASE - 20 * DAY,
      cvss: [],
      kev: {
        cveId: 'CVE-KEV',
        vendorProject: 'v',
        product: 'p',
        vulnerabilityName: 'n',
        dateAdded: '2026-09-20',
        dueDate: '2026-10-10',
        knownRansomwareCampaignUse: 'Unknown',
        catalogVersion: 'test',
      },
    },
  ],
  [
    'CVE-HIGH',
    {
      cveId: 'CVE-HIGH',
      publishedAt: BASE + 3 * DAY,
      cvss: [
        {
          version: '3.1',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N',
          baseScore: 8.1,
          baseSeverity: 'high',
          source: 'nvd@nist.gov',
          type: 'Primary',
        },
      ],
    },
  ],
]);

const POLICY: SlaPolicy = {
  key: 'prop-policy',
  versions: [
    {
      key: 'prop-policy',
      name: 'v1',
      version: 1,
      effectiveFrom: '2026-01-01',
      clock: 'detection',
      dayKind: 'business',
      days: { critical: 10, high: 20, medium: 40, low: 60 },
      kevDueDateWins: true,
      description: 'property tests',
      source: 'none',
    },
    {
      key: 'prop-policy',
      name: 'v2',
      version: 2,
      effectiveFrom: '2026-09-01',
      clock: 'detection',
      dayKind: 'calendar',
      days: { critical: 7, high: 14 },
      kevDueDateWins: true,
      description: 'property tests',
      source: 'none',
    },
  ],
};

/** Times on a coarse grid (half-days from September to mid-November) so that ties in occurredAt are frequent. */
const instant = fc.integer({ min: 0, max: 150 }).map((half) => BASE + half * 12 * HOUR);

/** Weighted towards the kinds that move state, so closures, reopenings and breaches are common. */
const WEIGHTS: Record<EventKind, number> = {
  detected: 4,
  approved: 2,
  scheduled: 1,
  backup_verified: 1,
  deployment_started: 1,
  deployed: 5,
  failed: 2,
  rolled_back: 3,
  verified: 1,
  superseded: 1,
  exception_granted: 1,
  exception_expired: 1,
};
const kind = fc.oneof(...EVENT_KINDS.map((k) => ({ arbitrary: fc.constant(k), weight: WEIGHTS[k] })));

const draft = fc.record({
  kind,
  occurredAt: instant,
  delayHours: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 24 * 20 })),
  clientId: fc.oneof(
    { arbitrary: fc.constant('cl-1'), weight: 4 },
    { arbitrary: fc.constant('cl-2'), weight: 1 },
  ),
  assetId: fc.constantFrom('as-1', 'as-2'),
  patchId: fc.constantFrom('KB1', 'KB2'),
  cves: fc.subarray(['CVE-KEV', 'CVE-HIGH', 'CVE-NONE']),
  vendorSeverity: fc.option(fc.constantFrom('critical' as const, 'high' as const, 'low' as const), {
    nil: undefined,
  }),
  actor: fc.option(fc.constantFrom('alice', 'bob'), { nil: undefined }),
  emergency: fc.option(fc.boolean(), { nil: undefined }),
  released: fc.option(instant, { nil: undefined }),
  expiresInDays: fc.integer({ min: 1, max: 90 }),
  sourceEventId: fc.integer({ min: 0, max: 400 }),
});

type Draft = typeof draft extends fc.Arbitrary<infer T> ? T : never;

function toEvents(drafts: Draft[]): LedgerEvent[] {
  return drafts.map((d, i) => {
    const event: LedgerEvent = {
      id: `ev-${i.toString().padStart(4, '0')}`,
      tenantId: 'tn-1',
      clientId: d.clientId,
      assetId: d.assetId,
      seq: i + 1,
      kind: d.kind,
      occurredAt: d.occurredAt,
      receivedAt: d.occurredAt + d.delayHours * HOUR,
      source: 'prop',
      // Collisions are resends of the same record.
      sourceEventId: `src-${d.sourceEventId}`,
      patchId: d.patchId,
      cveIds: d.cves,
      hash: `h${i}`,
    };
    if (d.vendorSeverity !== undefined) event.vendorSeverity = d.vendorSeverity;
    if (d.actor !== undefined) event.actor = d.actor;
    if (d.emergency !== undefined) event.emergency = d.emergency;
    if (d.released !== undefined) event.patchReleasedAt = d.released;
    if (d.kind === 'superseded') event.supersededBy = 'KB9';
    if (d.kind === 'exception_granted') {
      event.exception = {
        reason: 'r',
        compensatingControls: ['c'],
        owner: 'o',
        approver: 'a',
        expiresAt: new Date(d.occurredAt + d.expiresInDays * DAY).toISOString(),
      };
    }
    return event;
  });
}

const history = fc.array(draft, { minLength: 1, maxLength: 80, size: 'medium' }).map(toEvents);
/** Report instants from before the period to well after it. */
const asOfArb = fc.integer({ min: 20, max: 100 }).map((day) => BASE + day * DAY + 7 * HOUR);

const HOSTNAMES = new Map([
  ['as-1', 'srv-01'],
  ['as-2', 'srv-02'],
]);

function metricsOf(
  cases: RemediationCase[],
  events: LedgerEvent[],
  asOf: number,
  period = PERIOD,
  policy = POLICY,
  withTrend = true,
): MetricsReport {
  const input: MetricsInput = {
    cases,
    events,
    assetsInInventory: ['as-1', 'as-2', 'as-3'],
    assetsReporting: [...new Set(events.filter((e) => visibleAt(e, asOf)).map((e) => e.assetId))],
    period,
    asOf,
    policy,
    clientId: 'cl-1',
    withTrend,
  };
  return computeMetrics(input);
}

const RUNS = { numRuns: 300 };

describe('properties of the fold and the metrics', () => {
  it('does not depend on arrival order', () => {
    fc.assert(
      fc.property(
        history.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length }), asOfArb),
        ),
        ([events, shuffled, asOf]) => {
          const cases = foldAll(events, FACTS, asOf, HOSTNAMES);
          const casesShuffled = foldAll(shuffled, FACTS, asOf, HOSTNAMES);
          expect(casesShuffled).toEqual(cases);
          expect(metricsOf([...casesShuffled].reverse(), shuffled, asOf)).toEqual(
            metricsOf(cases, events, asOf),
          );
        },
      ),
      RUNS,
    );
  });

  it('re-folding the touched case as each event arrives gives the reference fold', () => {
    fc.assert(
      fc.property(
        history.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length }), asOfArb),
        ),
        ([events, arrival, asOf]) => {
          // What the service keeps: each case's events, and each case folded when one of its events arrived.
          const eventsByCase = new Map<string, LedgerEvent[]>();
          const stored = new Map<string, RemediationCase>();
          for (const e of arrival) {
            const key = caseKey(e.clientId, e.assetId, e.patchId);
            const caseEvents = [...(eventsByCase.get(key) ?? []), e];
            eventsByCase.set(key, caseEvents);
            if (caseEvents.some((x) => visibleAt(x, asOf))) {
              stored.set(
                key,
                foldRemediationCase(caseEvents, FACTS, asOf, HOSTNAMES.get(e.assetId) ?? e.assetId),
              );
            }
          }
          const incremental = [...stored.keys()].sort().map((key) => stored.get(key));
          expect(incremental).toEqual(foldAll(events, FACTS, asOf, HOSTNAMES));
        },
      ),
      RUNS,
    );
  });

  it('ignores events received after asOf', () => {
    fc.assert(
      fc.property(history, history, asOfArb, (events, extra, asOf) => {
        const late = extra.map((e, i) => ({
          ...e,
          id: `late-${i}`,
          receivedAt: asOf + 1 + (e.receivedAt % DAY),
        }));
        const known = foldAll(events, FACTS, asOf, HOSTNAMES);
        const withLate = [...events, ...late];
        expect(foldAll(withLate, FACTS, asOf, HOSTNAMES)).toEqual(known);
        expect(metricsOf(foldAll(withLate, FACTS, asOf, HOSTNAMES), withLate, asOf)).toEqual(
          metricsOf(known, events, asOf),
        );
      }),
      RUNS,
    );
  });

  it('keeps every figure consistent with itself', () => {
    fc.assert(
      fc.property(history, asOfArb, (events, asOf) => {
        const r = metricsOf(foldAll(events, FACTS, asOf, HOSTNAMES), events, asOf);
        const rates = [
          r.slaCompliance,
          r.kevOnTime,
          r.patchSuccess,
          r.firstPassSuccess,
          r.rollbackRate,
          r.approvedBeforeDeploy,
          r.backupBeforeDeploy,
          r.postChangeVerification,
          r.assetCoverage,
          ...Object.values(r.remediatedWithin),
        ];
        for (const rate of rates) {
          expect(rate.numerator).toBeGreaterThanOrEqual(0);
          expect(rate.numerator).toBeLessThanOrEqual(rate.denominator);
          expect(rate.value).toBe(rate.denominator === 0 ? null : rate.numerator / rate.denominator);
        }
        expect(r.breaches).toHaveLength(r.slaCompliance.denominator - r.slaCompliance.numerator);
        for (const b of r.breaches) expect(b.daysLate).toBeGreaterThanOrEqual(1);
        let previous = 1;
        for (const p of r.survival) {
          expect(p.survival).toBeLessThanOrEqual(previous);
          expect(p.survival).toBeGreaterThanOrEqual(0);
          previous = p.survival;
        }
        const open = Object.values(r.openBacklog).reduce((a, b) => a + b, 0);
        const october = r.trend.find((p) => p.month === '2026-10');
        if (october !== undefined) expect(october.openAtMonthEnd).toBe(open);
        const censored = r.survival.reduce((n, p) => n + p.censored, 0);
        expect(censored).toBeLessThanOrEqual(open);
        expect(r.ttrBySeverity.all.count).toBe(r.survival.reduce((n, p) => n + p.events, 0));
      }),
      RUNS,
    );
  });

  it('reads only the cases that can enter a figure: leaving out the others changes nothing', () => {
    // Ten months of events, so that a request's first trend month falls inside the history and cases closed before
    // it are left out; deadlines in business and calendar days long enough to reach past it.
    const longPolicy: SlaPolicy = {
      key: 'long-policy',
      versions: [
        {
          ...POLICY.versions[0],
          key: 'long-policy',
          dayKind: 'business',
          days: { critical: 30, high: 45, medium: 60, low: 90 },
        },
        {
          ...POLICY.versions[1],
          key: 'long-policy',
          effectiveFrom: '2027-02-01',
          dayKind: 'calendar',
          days: { critical: 15, high: 30, medium: 90 },
        },
      ],
    };
    // Each (asset, patch) lives within about a month that starts anywhere in ten months.
    const longHistory = fc
      .tuple(
        fc.array(draft, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }),
      )
      .map(([drafts, starts]) =>
        toEvents(
          drafts.map((d) => {
            const start = starts[(d.assetId === 'as-2' ? 2 : 0) + (d.patchId === 'KB2' ? 1 : 0)];
            return { ...d, occurredAt: BASE + start * DAY + Math.round((d.occurredAt - BASE) * 0.4) };
          }),
        ),
      );
    const request = fc.record({
      month: fc.integer({ min: 0, max: 14 }),
      asOfDays: fc.integer({ min: -10, max: 60 }),
    });
    let leftOut = 0;
    let leftOutNoTrend = 0;
    fc.assert(
      fc.property(longHistory, request, (events, { month, asOfDays }) => {
        const period = { from: Date.UTC(2026, 9 + month, 1), to: Date.UTC(2026, 10 + month, 1) };
        const asOf = period.from + asOfDays * DAY;
        const cases = foldAll(events, FACTS, asOf, HOSTNAMES);
        const maxOccurred = new Map<string, number>();
        for (const e of events) {
          if (!visibleAt(e, asOf)) continue;
          const key = caseKey(e.clientId, e.assetId, e.patchId);
          maxOccurred.set(key, Math.max(maxOccurred.get(key) ?? -Infinity, e.occurredAt));
        }
        const windowStart = figuresWindowStart(period);
        const read = cases.filter((c) =>
          mayEnterFigures(c, maxOccurred.get(c.key)!, windowStart, maxDueSpansMs(longPolicy)),
        );
        leftOut += cases.length - read.length;
        const all = metricsOf(cases, events, asOf, period, longPolicy);
        expect(metricsOf(read, events, asOf, period, longPolicy)).toEqual(all);
        // Without the trend, only the period's window: fewer cases still, every other figure the same.
        const readNoTrend = cases.filter((c) =>
          mayEnterFigures(
            c,
            maxOccurred.get(c.key)!,
            figuresWindowStart(period, false),
            maxDueSpansMs(longPolicy),
          ),
        );
        leftOutNoTrend += cases.length - readNoTrend.length;
        expect(metricsOf(readNoTrend, events, asOf, period, longPolicy, false)).toEqual({
          ...all,
          trend: [],
        });
      }),
      { numRuns: 500 },
    );
    // Not vacuous: cases are left out, more of them without the trend.
    expect(leftOut).toBeGreaterThan(50);
    expect(leftOutNoTrend).toBeGreaterThan(leftOut);
  });
  it('month-boundary figures are the figures as of every instant they are valid for, and exist where a case changes across a boundary', () => {
    const boundaries = ['2026-09-01', '2026-10-01', '2026-11-01', '2026-12-01'].map((d) =>
      Date.parse(`${d}T00:00:00Z`),
    );
    fc.assert(
      fc.property(history, fc.double({ min: 0, max: 1, noNaN: true }), (events, where) => {
        for (const caseEvents of groupByCase(events, Number.POSITIVE_INFINITY).values()) {
          const host = HOSTNAMES.get(caseEvents[0].assetId)!;
          const rows = monthBoundaryFigures(caseEvents, FACTS, host, {
            from: Number.NEGATIVE_INFINITY,
            until: Number.POSITIVE_INFINITY,
          });
          // The fold changes when an event becomes visible, and at a KEV listing of a CVE already visible then.
          const changes = caseEvents.map(visibleFrom);
          for (const e of caseEvents)
            for (const cve of e.cveIds) {
              const listed = kevListedAt(FACTS.get(cve));
              if (listed !== undefined && visibleFrom(e) < listed) changes.push(listed);
            }
          const expected = boundaries.filter(
            (b) => caseEvents.some((e) => visibleAt(e, b)) && changes.some((t) => t > b),
          );
          expect(rows.map((r) => r.asOf)).toEqual(expected);
          for (const r of rows) {
            expect(r.validTo).toBe(Math.min(...changes.filter((t) => t > r.asOf)));
            // Any instant of [asOf, validTo): the same figures as a fold as of that instant (null: too large to keep).
            const t = r.asOf + Math.floor(where * (r.validTo - r.asOf - 1));
            for (const at of [r.asOf, t, r.validTo - 1])
              expect(r.figures).toEqual(storedFigures(foldRemediationCase(caseEvents, FACTS, at, host)));
          }
        }
      }),
      RUNS,
    );
  });

  it('month-boundary figures kept batch by batch, as ingestion keeps them, equal those made from all events at once', () => {
    fc.assert(
      fc.property(history, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (events, cuts) => {
        // Arrival in receipt order, cut into batches between distinct receipt instants (a batch is stamped with one
        // clock); each batch's clock is its last receipt.
        const arrival = [...events].sort((a, b) => a.receivedAt - b.receivedAt);
        const batches: LedgerEvent[][] = [];
        arrival.forEach((e, i) => {
          const cut = i === 0 || (cuts[i % cuts.length] && arrival[i - 1].receivedAt < e.receivedAt);
          if (cut) batches.push([e]);
          else batches[batches.length - 1].push(e);
        });
        const stored = new Map<string, LedgerEvent[]>();
        const rows = new Map<string, Map<number, MonthFigures>>();
        let now = Number.NEGATIVE_INFINITY;
        for (const batch of batches) {
          now = Math.max(...batch.map((e) => e.receivedAt));
          for (const [key, caseBatch] of groupByCase(batch, Number.POSITIVE_INFINITY)) {
            const before = stored.get(key) ?? [];
            const window = batchMonthWindow(before, caseBatch, FACTS);
            const caseRows = rows.get(key) ?? new Map<number, MonthFigures>();
            if (window.capAt !== undefined)
              for (const r of caseRows.values()) r.validTo = Math.min(r.validTo, window.capAt);
            const all = [...before, ...caseBatch];
            const host = HOSTNAMES.get(all[0].assetId)!;
            for (const r of monthBoundaryFigures(all, FACTS, host, { from: window.monthsFrom, until: now }))
              caseRows.set(r.asOf, r);
            stored.set(key, all);
            rows.set(key, caseRows);
          }
        }
        for (const [key, all] of stored) {
          const host = HOSTNAMES.get(all[0].assetId)!;
          const atOnce = monthBoundaryFigures(all, FACTS, host, {
            from: Number.NEGATIVE_INFINITY,
            until: now,
          });
          expect([...(rows.get(key) ?? new Map()).values()].sort((a, b) => a.asOf - b.asOf)).toEqual(atOnce);
        }
      }),
      RUNS,
    );
  });
});
