import { join } from 'node:path';

import { at, DAY, history, kevEntry, type CaseIdentity } from '../../test/helpers/ledger-events.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import {
  computeMetrics,
  durationStats,
  figuresWindowStart,
  halfLife,
  kaplanMeier,
  mayEnterFigures,
  percentileCont,
  type MetricsInput,
} from './compute-metrics.js';
import type { MetricsReport } from './metrics-report.js';
import { caseKey, foldAll } from './remediation-case.fold.js';
import { loadPolicyTemplates, maxDueSpansMs } from './sla-policy.js';
import type { SlaPolicy, SlaPolicyVersion } from './sla-policy.types.js';

const POLICIES = loadPolicyTemplates(join(process.cwd(), 'templates/policies'));
const policy = (key: string): SlaPolicy => POLICIES.find((p) => p.key === key)!;
/** FedRAMP RA-5(d): detection clock, calendar days, critical 30. */
const FEDRAMP: SlaPolicyVersion = policy('fedramp-ra-5d').versions[0];

const OCTOBER = { from: at('2026-10-01'), to: at('2026-11-01') };
const NOV_1 = at('2026-11-01');
const END_OF_OCTOBER = NOV_1 - 1;

/** One patch on one asset, rated critical by its vendor unless said otherwise. */
function patch(patchId: string, identity: CaseIdentity = {}) {
  const e = history({ assetId: `as-${patchId}`, patchId, ...identity });
  return (kind: LedgerEvent['kind'], occurredAt: number, extra: Partial<LedgerEvent> = {}) =>
    e(kind, occurredAt, { vendorSeverity: 'critical', ...extra });
}

function metrics(
  events: LedgerEvent[],
  asOf: number,
  over: Partial<MetricsInput> = {},
  facts = new Map<string, VulnerabilityFact>(),
): MetricsReport {
  const cases = foldAll(events, facts, asOf, new Map());
  return computeMetrics({
    cases,
    events,
    assetsInInventory: [],
    assetsReporting: [],
    period: OCTOBER,
    asOf,
    policy: FEDRAMP,
    clientId: 'cl-1',
    ...over,
  });
}

const exception = (expiresAt: string) => ({
  reason: 'vendor has no fix for this controller firmware',
  compensatingControls: ['management VLAN only'],
  owner: 'it-ops',
  approver: 'ciso',
  expiresAt,
});

/**
 * An October on one client's servers, under FedRAMP RA-5(d) (critical due 30 days after detection):
 * A on time, B late, C open past due, D overdue since August, E closed in August, F not yet due,
 * G past due under an exception granted before its deadline, H past due with an exception granted too late,
 * I remediated on time in October and rolled back in November.
 */
function october(): { events: LedgerEvent[]; novemberEvents: LedgerEvent[] } {
  const A = patch('A');
  const B = patch('B');
  const C = patch('C');
  const D = patch('D');
  const E = patch('E');
  const F = patch('F');
  const G = patch('G');
  const H = patch('H');
  const I = patch('I');
  const events = [
    A('detected', at('2026-09-10')),
    A('deployed', at('2026-10-05')),
    B('detected', at('2026-09-12')),
    B('deployed', at('2026-10-20T12:00:00Z')),
    C('detected', at('2026-09-15')),
    D('detected', at('2026-08-01')),
    E('detected', at('2026-08-02')),
    E('deployed', at('2026-08-20')),
    F('detected', at('2026-10-10')),
    G('detected', at('2026-09-05')),
    G('exception_granted', at('2026-09-30'), { exception: exception('2026-12-31T00:00:00Z') }),
    H('detected', at('2026-09-06')),
    H('exception_granted', at('2026-10-08'), { exception: exception('2026-12-31T00:00:00Z') }),
    I('detected', at('2026-09-20')),
    I('deployed', at('2026-10-03')),
  ];
  const novemberEvents = [
    I('rolled_back', at('2026-11-05')),
    F('deployed', at('2026-11-03')),
    // Happened in October, received after 1 November: not in the pack cut on 1 November.
    C('deployed', at('2026-10-30'), { receivedAt: at('2026-11-02') }),
  ];
  return { events, novemberEvents };
}

describe('percentiles and stats', () => {
  it('interpolates linearly between closest ranks, like percentile_cont', () => {
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentileCont([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentileCont([7], 0.9)).toBe(7);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('gives nulls, not zeros, for an empty set', () => {
    expect(durationStats([])).toEqual({ count: 0, mean: null, median: null, p90: null, max: null });
  });
});

describe('kaplanMeier', () => {
  it('keeps open items at risk until they are censored', () => {
    const curve = kaplanMeier([
      { t: 2, event: true },
      { t: 3, event: false },
      { t: 5, event: true },
      { t: 8, event: true },
    ]);
    expect(curve).toEqual([
      { t: 0, survival: 1, atRisk: 4, events: 0, censored: 0 },
      { t: 2, survival: 0.75, atRisk: 4, events: 1, censored: 0 },
      { t: 3, survival: 0.75, atRisk: 3, events: 0, censored: 1 },
      { t: 5, survival: 0.375, atRisk: 2, events: 1, censored: 0 },
      { t: 8, survival: 0, atRisk: 1, events: 1, censored: 0 },
    ]);
    expect(halfLife(curve)).toBe(5);
  });

  it('counts events before censoring at the same time', () => {
    const curve = kaplanMeier([
      { t: 4, event: false },
      { t: 4, event: true },
    ]);
    expect(curve[1]).toEqual({ t: 4, survival: 0.5, atRisk: 2, events: 1, censored: 1 });
  });

  it('has no half-life when fewer than half the items ever close', () => {
    const curve = kaplanMeier([
      { t: 1, event: true },
      { t: 9, event: false },
      { t: 9, event: false },
    ]);
    expect(halfLife(curve)).toBeNull();
    expect(kaplanMeier([])).toEqual([]);
  });
});

describe('computeMetrics: a month of hand-built histories', () => {
  const { events } = october();
  const report = metrics(events, NOV_1);

  it('judges the period at its last millisecond', () => {
    expect(report.evaluatedAt).toBe(END_OF_OCTOBER);
    expect(report.policy).toEqual({
      key: 'fedramp-ra-5d',
      version: 1,
      clock: 'detection',
      dayKind: 'calendar',
    });
  });

  it('measures TTR over the items closed in the period, from the policy clock start', () => {
    // A: 25 days, I: 13 days, B: 38.5 days; E closed in August does not count.
    expect(report.ttrBySeverity.all).toEqual({ count: 3, mean: 25.5, median: 25, p90: 35.8, max: 38.5 });
    expect(report.ttrBySeverity.critical.count).toBe(3);
    expect(report.ttrBySeverity.high).toEqual({ count: 0, mean: null, median: null, p90: null, max: null });
  });

  it('lowers remediated-within-N by the open items older than N, and leaves out those not yet decided', () => {
    expect(report.remediatedWithin.d7).toEqual({ numerator: 0, denominator: 8, value: 0 });
    // F (22 days old) cannot be judged against 30 days yet.
    expect(report.remediatedWithin.d30).toEqual({ numerator: 2, denominator: 7, value: 2 / 7 });
    expect(report.remediatedWithin.d90).toEqual({ numerator: 3, denominator: 4, value: 0.75 });
  });

  it('lists every breach with its days late, carrying over items overdue from before the period', () => {
    expect(report.slaCompliance).toEqual({ numerator: 2, denominator: 6, value: 2 / 6 });
    expect(report.breaches.map((b) => [b.patchId, b.daysLate, b.remediatedAt, b.deadlineBasis])).toEqual([
      ['D', 61, undefined, 'policy fedramp-ra-5d v1 (detection + 30d)'],
      ['H', 25, undefined, 'policy fedramp-ra-5d v1 (detection + 30d)'],
      ['B', 8, at('2026-10-20T12:00:00Z'), 'policy fedramp-ra-5d v1 (detection + 30d)'],
      ['C', 16, undefined, 'policy fedramp-ra-5d v1 (detection + 30d)'],
    ]);
    expect(report.breaches[2]).toMatchObject({
      caseKey: 'cl-1:as-B:B',
      hostname: 'as-B',
      severity: 'critical',
      dueAt: at('2026-10-12T23:59:59.999Z'),
    });
  });

  it('leaves out an item whose exception was granted by its deadline, and says so', () => {
    expect(report.slaExcepted).toEqual([
      {
        caseKey: 'cl-1:as-G:G',
        hostname: 'as-G',
        patchId: 'G',
        dueAt: at('2026-10-05T23:59:59.999Z'),
        exceptionExpiresAt: '2026-12-31T00:00:00Z',
      },
    ]);
  });

  it('buckets every open item by age, the excepted ones included', () => {
    expect(report.openBacklog).toEqual({ d0_7: 0, d8_30: 1, d31_60: 3, d61_90: 0, d90_plus: 1 });
  });

  it('censors open items in the survival curve instead of dropping them', () => {
    // Closed alone, A, B and I would give a half-life of 25 days; five open items keep the curve above 0.5.
    expect(report.survival.filter((p) => p.events > 0).map((p) => [p.t, p.atRisk])).toEqual([
      [13, 8],
      [25, 6],
      [38.5, 5],
    ]);
    expect(report.survival.at(-1)?.survival).toBeCloseTo((7 / 8) * (5 / 6) * (4 / 5), 10);
    expect(report.halfLifeDays).toBeNull();
    expect(report.survival.reduce((n, p) => n + p.censored, 0)).toBe(5);
  });

  it('counts the cases that entered a figure and the events of the period', () => {
    // E (closed in August, due 1 September) enters nothing.
    expect(report.casesConsidered).toBe(8);
    expect(report.eventsConsidered).toBe(5);
  });

  it('keeps a monthly trend over the six months ending with the period', () => {
    expect(report.trend.map((p) => p.month)).toEqual([
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    const [, , , aug, sep, oct] = report.trend;
    expect(aug).toMatchObject({ remediated: 1, medianTtrDays: 18, openAtMonthEnd: 1 });
    expect(sep).toMatchObject({ remediated: 0, medianTtrDays: null, openAtMonthEnd: 7 });
    expect(sep.slaCompliance).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(oct).toMatchObject({ remediated: 3, medianTtrDays: 25, openAtMonthEnd: 5 });
    expect(oct.slaCompliance).toEqual(report.slaCompliance);
  });

  it('gives the same October as of 1 November after late events and November changes', () => {
    const { events: known, novemberEvents } = october();
    const withLate = [...known, ...novemberEvents];
    expect(metrics(withLate, NOV_1)).toEqual(metrics(known, NOV_1));
    // Later, the October pack changes only by what happened in October and arrived late (C's deploy on 30 Oct);
    // I's rollback and F's deploy in November do not rewrite October.
    const later = metrics(withLate, at('2026-12-01'));
    const withoutLateOctober = metrics(
      withLate.filter((e) => !(e.patchId === 'C' && e.kind === 'deployed')),
      at('2026-12-01'),
    );
    expect({ ...withoutLateOctober, asOf: NOV_1 }).toEqual(metrics(known, NOV_1));
    expect(later.breaches.find((b) => b.patchId === 'C')?.remediatedAt).toBe(at('2026-10-30'));
  });

  it('refuses cases folded later than asOf', () => {
    const { events: known, novemberEvents } = october();
    const cases = foldAll([...known, ...novemberEvents], new Map(), at('2026-12-01'), new Map());
    expect(() =>
      computeMetrics({
        cases,
        events: known,
        assetsInInventory: [],
        assetsReporting: [],
        period: OCTOBER,
        asOf: NOV_1,
        policy: FEDRAMP,
        clientId: 'cl-1',
      }),
    ).toThrow(/received after asOf/);
  });

  it('judges a pack cut mid-period at its as-of instant', () => {
    const mid = metrics(events, at('2026-10-16'));
    expect(mid.evaluatedAt).toBe(at('2026-10-16'));
    // B (due 12 Oct) is open and late at 16 Oct; C (due 15 Oct) too; I is on time.
    expect(mid.breaches.map((b) => [b.patchId, b.daysLate])).toEqual([
      ['D', 46],
      ['H', 10],
      ['B', 4],
      ['C', 1],
    ]);
  });
});

describe('computeMetrics: rollbacks and exposure', () => {
  it('counts the final stable deploy for TTR and every reopened day as exposure', () => {
    const X = patch('X');
    const report = metrics(
      [
        X('detected', at('2026-10-01'), { patchReleasedAt: at('2026-09-21') }),
        X('deployed', at('2026-10-05')),
        X('rolled_back', at('2026-10-08')),
        X('deployed', at('2026-10-20')),
      ],
      NOV_1,
    );
    expect(report.ttrBySeverity.all.max).toBe(19);
    // 21 Sep → 5 Oct, then 8 Oct → 20 Oct.
    expect(report.exposureWindowDays).toMatchObject({ count: 1, max: 26 });
    expect(report.rollbackRate).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(report.timeToRollback).toMatchObject({ count: 1, mean: 3 });
    expect(report.slaCompliance).toEqual({ numerator: 1, denominator: 1, value: 1 });
  });

  it('counts a rollback that was still open at the period end as open exposure', () => {
    const X = patch('X');
    const report = metrics(
      [X('detected', at('2026-10-01')), X('deployed', at('2026-10-05')), X('rolled_back', at('2026-10-28'))],
      NOV_1,
    );
    expect(report.ttrBySeverity.all.count).toBe(0);
    expect(report.openBacklog.d8_30).toBe(1);
    expect(report.exposureWindowDays.max).toBeCloseTo(4 + (END_OF_OCTOBER - at('2026-10-28')) / DAY, 10);
  });
});

describe('computeMetrics: change hygiene', () => {
  const X1 = patch('X1');
  const X2 = patch('X2');
  const X3 = patch('X3');
  const X4 = patch('X4');
  const X5 = patch('X5');
  const report = metrics(
    [
      X1('approved', at('2026-10-01'), { actor: 'alice' }),
      X1('backup_verified', at('2026-10-02T01:00:00Z')),
      X1('deployed', at('2026-10-02T02:00:00Z'), { actor: 'bob' }),
      X1('verified', at('2026-10-02T03:00:00Z')),
      X2('approved', at('2026-10-03'), { actor: 'carol' }),
      X2('deployed', at('2026-10-04'), { actor: 'Carol ' }),
      X3('deployed', at('2026-10-05T12:00:00Z'), { actor: 'bob', emergency: true }),
      X3('approved', at('2026-10-07'), { actor: 'alice' }),
      X4('failed', at('2026-10-06'), { actor: 'bob', emergency: true, errorCode: '0x80070643' }),
      X5('failed', at('2026-10-08')),
      X5('failed', at('2026-10-09')),
      X5('deployed', at('2026-10-10')),
      X5('rolled_back', at('2026-10-12')),
    ],
    NOV_1,
  );

  it('rates installs and first-pass success', () => {
    expect(report.patchSuccess).toEqual({ numerator: 4, denominator: 7, value: 4 / 7 });
    // Rounds: X1, X2, X3 first time; X4 failed; X5 needed three tries.
    expect(report.firstPassSuccess).toEqual({ numerator: 3, denominator: 5, value: 0.6 });
  });

  it('rates rollbacks per successful deployment, with the time to roll back', () => {
    expect(report.rollbackRate).toEqual({ numerator: 1, denominator: 4, value: 0.25 });
    expect(report.timeToRollback).toEqual({ count: 1, mean: 2, median: 2, p90: 2, max: 2 });
  });

  it('rates approval and backup before each change, and verification after each deployment', () => {
    expect(report.approvedBeforeDeploy).toEqual({ numerator: 2, denominator: 7, value: 2 / 7 });
    expect(report.backupBeforeDeploy).toEqual({ numerator: 1, denominator: 7, value: 1 / 7 });
    expect(report.postChangeVerification).toEqual({ numerator: 1, denominator: 4, value: 0.25 });
  });

  it('lists the approver who deployed their own change', () => {
    expect(report.segregationOfDutiesViolations).toEqual([
      { caseKey: 'cl-1:as-X2:X2', hostname: 'as-X2', patchId: 'X2', actor: 'Carol ', at: at('2026-10-04') },
    ]);
  });

  it('lists emergency changes with their retro-approval lag, or none yet', () => {
    expect(report.emergencyChanges).toEqual([
      {
        caseKey: 'cl-1:as-X3:X3',
        hostname: 'as-X3',
        patchId: 'X3',
        deployedAt: at('2026-10-05T12:00:00Z'),
        approvedAt: at('2026-10-07'),
        lagDays: 1.5,
      },
      {
        caseKey: 'cl-1:as-X4:X4',
        hostname: 'as-X4',
        patchId: 'X4',
        deployedAt: at('2026-10-06'),
        lagDays: null,
      },
    ]);
  });
});

describe('computeMetrics: KEV, coverage, policies, clients', () => {
  const kevFact = (cveId: string, dateAdded: string, dueDate: string): VulnerabilityFact => ({
    cveId,
    cvss: [],
    kev: kevEntry(cveId, dateAdded, dueDate),
  });

  it('rates KEV items against the catalog dueDate', () => {
    const K1 = patch('K1', { cveIds: ['CVE-2026-0001'] });
    const K2 = patch('K2', { cveIds: ['CVE-2026-0002'] });
    const facts = new Map([
      ['CVE-2026-0001', kevFact('CVE-2026-0001', '2026-09-25', '2026-10-16')],
      ['CVE-2026-0002', kevFact('CVE-2026-0002', '2026-09-29', '2026-10-20')],
    ]);
    const report = metrics(
      [
        K1('detected', at('2026-10-01')),
        K1('deployed', at('2026-10-16T22:00:00Z')),
        K2('detected', at('2026-10-01')),
        K2('deployed', at('2026-10-25')),
      ],
      NOV_1,
      {},
      facts,
    );
    expect(report.kevOnTime).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(report.breaches.map((b) => [b.patchId, b.deadlineBasis, b.daysLate])).toEqual([
      ['K2', 'KEV dueDate 2026-10-20', 5],
    ]);
  });

  it('rates coverage against the inventory and names the silent assets', () => {
    const report = metrics([], NOV_1, {
      assetsInInventory: ['as-a', 'as-b', 'as-c', 'as-d'],
      assetsReporting: ['as-b', 'as-a', 'as-x'],
    });
    expect(report.assetCoverage).toEqual({ numerator: 2, denominator: 4, value: 0.5 });
    expect(report.assetsNotReporting).toEqual(['as-c', 'as-d']);
  });

  it('never shows a fake 100% for an empty period', () => {
    const report = metrics([], NOV_1);
    expect(report.slaCompliance).toEqual({ numerator: 0, denominator: 0, value: null });
    expect(report.assetCoverage.value).toBeNull();
    expect(report.survival).toEqual([]);
  });

  it('applies the policy version in force at each item detection', () => {
    const period = { from: at('2024-07-01'), to: at('2024-08-01') };
    const early = patch('P1');
    const late = patch('P2');
    const report = metrics(
      [
        early('detected', at('2024-06-01'), { vendorSeverity: 'high', patchReleasedAt: at('2024-06-01') }),
        late('detected', at('2024-07-01'), { vendorSeverity: 'high', patchReleasedAt: at('2024-06-01') }),
      ],
      at('2024-08-01'),
      { period, policy: policy('pci-dss-6.3.3') },
    );
    // v1 (PCI DSS 4.0): high due 30 days after release; v2 (4.0.1): 90 days, so P2 is not due yet.
    expect(report.breaches.map((b) => [b.patchId, b.deadlineBasis])).toEqual([
      ['P1', 'policy pci-dss-6.3.3 v1 (release + 30d)'],
    ]);
    expect(report.policy).toEqual({
      key: 'pci-dss-6.3.3',
      version: 2,
      clock: 'release',
      dayKind: 'calendar',
    });
  });

  it('lists items the policy cannot time instead of dropping them silently', () => {
    const N = patch('N');
    const report = metrics([N('detected', at('2026-10-03'))], NOV_1, { policy: policy('pci-dss-6.3.3') });
    expect(report.noDeadline).toEqual([
      { caseKey: 'cl-1:as-N:N', basis: 'policy pci-dss-6.3.3 v2: no release date' },
    ]);
    expect(report.withoutClockStart).toEqual(['cl-1:as-N:N']);
    expect(report.openBacklog.d8_30).toBe(1);
  });

  it('counts only the requested client, or every client when none is given', () => {
    const mine = patch('M1');
    const theirs = patch('T1', { clientId: 'cl-2' });
    const events = [mine('detected', at('2026-10-01')), theirs('detected', at('2026-10-01'))];
    expect(metrics(events, NOV_1).openBacklog.d8_30).toBe(1);
    expect(metrics(events, NOV_1, { clientId: null }).openBacklog.d8_30).toBe(2);
  });

  it('follows all the months of a longer period, and none after asOf', () => {
    const year = { from: at('2026-01-01'), to: at('2026-11-01') };
    expect(metrics([], NOV_1, { period: year }).trend).toHaveLength(10);
    const quarter = { from: at('2026-10-01'), to: at('2027-01-01') };
    const trend = metrics([], at('2026-10-15'), { period: quarter }).trend;
    expect(trend.map((p) => p.month)).toEqual(['2026-07', '2026-08', '2026-09', '2026-10']);
  });

  it('does not rely on cases arriving in order', () => {
    const { events } = october();
    const cases = foldAll(events, new Map(), NOV_1, new Map());
    const input: MetricsInput = {
      cases,
      events,
      assetsInInventory: [],
      assetsReporting: [],
      period: OCTOBER,
      asOf: NOV_1,
      policy: FEDRAMP,
      clientId: 'cl-1',
    };
    expect(computeMetrics({ ...input, cases: [...cases].reverse(), events: [...events].reverse() })).toEqual(
      computeMetrics(input),
    );
  });
});

describe('mayEnterFigures: which stored cases a metrics request reads', () => {
  it('leaves out a case closed, quiet and past every deadline before the first trend month, and only such cases', () => {
    // April 2027: the trend starts in November 2026. FedRAMP: critical due 30 calendar days after detection.
    const april = { from: at('2027-04-01'), to: at('2027-05-01') };
    const asOf = at('2027-05-01');
    expect(figuresWindowStart(april)).toBe(at('2026-11-01'));
    const old = patch('OLD');
    const dueInNovember = patch('NOV');
    const kevDueInApril = patch('KEV', { cveIds: ['CVE-2026-0003'] });
    const reopened = patch('ROLLBACK');
    const events = [
      // Closed in August, due in August: enters nothing from November on.
      old('detected', at('2026-08-01')),
      old('deployed', at('2026-08-05')),
      // Closed in October but due 19 November: a compliant item of November's trend point.
      dueInNovember('detected', at('2026-10-20')),
      dueInNovember('deployed', at('2026-10-25')),
      // Closed in September; listed in KEV in September with a catalog due date in April: April's KEV on-time rate.
      kevDueInApril('detected', at('2026-09-01')),
      kevDueInApril('deployed', at('2026-09-03')),
      // Closed in September, rolled back in December: open again in the window.
      reopened('detected', at('2026-09-01')),
      reopened('deployed', at('2026-09-03')),
      reopened('rolled_back', at('2026-12-02')),
    ];
    const facts = new Map<string, VulnerabilityFact>([
      [
        'CVE-2026-0003',
        { cveId: 'CVE-2026-0003', cvss: [], kev: kevEntry('CVE-2026-0003', '2026-09-02', '2027-04-10') },
      ],
    ]);
    const cases = foldAll(events, facts, asOf, new Map());
    const maxOccurred = (key: string) =>
      Math.max(
        ...events.filter((e) => caseKey(e.clientId, e.assetId, e.patchId) === key).map((e) => e.occurredAt),
      );
    const read = cases.filter((c) =>
      mayEnterFigures(c, maxOccurred(c.key), figuresWindowStart(april), maxDueSpansMs(FEDRAMP)),
    );
    expect(read.map((c) => c.patchId).sort()).toEqual(['KEV', 'NOV', 'ROLLBACK']);

    const figures = (subset: typeof cases) =>
      computeMetrics({
        cases: subset,
        events,
        assetsInInventory: [],
        assetsReporting: [],
        period: april,
        asOf,
        policy: FEDRAMP,
        clientId: 'cl-1',
      });
    expect(figures(read)).toEqual(figures(cases));
    // Each kept case matters: without it a figure changes.
    for (const kept of read) expect(figures(cases.filter((c) => c !== kept))).not.toEqual(figures(cases));
  });
});
