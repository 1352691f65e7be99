/**
 * Test helper: October 2026 at one MSP client (`client-acme`, Europe/Berlin), built as cases by hand. Fifteen
 * assets, seven patches, about three hundred events, with known breaches, two rollbacks, one exception, one
 * unapproved change and one legacy server. The scenario spec writes down, control by control, what a person
 * working the month out by hand expects, and why.
 *
 * Maintenance windows: Tue–Thu 19:00–23:00 and Sat 22:00–Sun 04:00, Berlin time (CEST = UTC+2 until Sunday
 * 25 October, then CET = UTC+1). Approver: j.alvarez (change manager). Deployer: the RMM agent.
 *
 * SLA policy pci-dss-6.3.3 v1, release clock: critical 30 days, high 90, medium 90, low 180; a KEV due date
 * wins when earlier.
 */
import type { RemediationCase } from '../../metrics/remediation-case.js';
import type { Severity, SeverityBasis } from '../../vulnerabilities/vulnerability-facts.js';
import type { AssetFacts, CaseDueDate, ControlTestInput, MaintenanceWindow } from '../control.types.js';
import {
  type AttemptSpec,
  buildCase,
  type CaseSpec,
  emptyMetrics,
  eventIdSource,
  OCTOBER,
  t,
} from './case-builder.js';

export const AS_OF = t('2026-11-03T08:00Z');

const a = (id: string, os: 'windows' | 'linux', extra: Partial<AssetFacts>): AssetFacts & { os: string } => ({
  id,
  hostname: id,
  os,
  legacy: false,
  ring: 'production',
  criticality: 'medium',
  reportedInPeriod: true,
  ...extra,
});

export const ASSETS = {
  pilot01: a('pilot-01', 'windows', { ring: 'pilot', criticality: 'low' }),
  db01: a('srv-db-01', 'windows', { criticality: 'critical' }),
  db02: a('srv-db-02', 'windows', { criticality: 'critical' }),
  db03: a('srv-db-03', 'windows', { criticality: 'critical' }),
  app01: a('srv-app-01', 'windows', { criticality: 'high' }),
  app02: a('srv-app-02', 'windows', { criticality: 'high' }),
  app03: a('srv-app-03', 'windows', { criticality: 'high' }),
  app04: a('srv-app-04', 'windows', { criticality: 'high' }),
  /** Windows Server 2008 R2: no more fixes; risk accepted behind an isolated VLAN. */
  legacy01: a('srv-legacy-01', 'windows', { criticality: 'high', legacy: true }),
  pilot02: a('pilot-02', 'linux', { ring: 'pilot', criticality: 'low' }),
  web01: a('srv-web-01', 'linux', {}),
  web02: a('srv-web-02', 'linux', {}),
  web03: a('srv-web-03', 'linux', {}),
  web04: a('srv-web-04', 'linux', {}),
  web05: a('srv-web-05', 'linux', {}),
};

export const WINDOWS: MaintenanceWindow[] = [
  {
    days: ['tue', 'wed', 'thu'],
    start: '19:00',
    end: '23:00',
    timeZone: 'Europe/Berlin',
    label: 'weeknights',
  },
  { days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Berlin', label: 'Saturday night' },
];

interface PatchSpec {
  patchId: string;
  cveIds: string[];
  severity: Severity;
  basis: SeverityBasis;
  kev?: boolean;
  releasedAt: string;
  detectedAt: string;
  approvedAt: string;
  kevDueAt?: string;
}

const P1: PatchSpec = {
  patchId: 'KB5066835',
  cveIds: ['CVE-2026-41001', 'CVE-2026-41002'],
  severity: 'critical',
  basis: 'cvss',
  releasedAt: '2026-10-13T17:00Z',
  detectedAt: '2026-10-14T02:00Z',
  approvedAt: '2026-10-14T08:00Z',
};
const P2: PatchSpec = {
  patchId: 'KB5065426',
  cveIds: ['CVE-2026-38001'],
  severity: 'critical',
  basis: 'cvss',
  releasedAt: '2026-09-09T17:00Z',
  detectedAt: '2026-09-10T02:00Z',
  approvedAt: '2026-09-10T08:00Z',
};
/** Out-of-band fix for a known-exploited flaw: KEV due date 22 October, before release + 30 days. */
const P5: PatchSpec = {
  patchId: 'KB5067112',
  cveIds: ['CVE-2026-42424'],
  severity: 'critical',
  basis: 'kev',
  kev: true,
  releasedAt: '2026-10-13T17:00Z',
  detectedAt: '2026-10-16T06:00Z',
  approvedAt: '2026-10-19T08:00Z',
  kevDueAt: '2026-10-22T00:00Z',
};
const P7: PatchSpec = {
  patchId: 'linux-image-amd64@6.1.158-1',
  cveIds: ['CVE-2026-43100'],
  severity: 'critical',
  basis: 'cvss',
  releasedAt: '2026-10-06T12:00Z',
  detectedAt: '2026-10-07T04:00Z',
  approvedAt: '2026-10-07T08:00Z',
};
const P3: PatchSpec = {
  patchId: 'openssl@3.0.17-1~deb12u3',
  cveIds: ['CVE-2026-39999'],
  severity: 'high',
  basis: 'cvss',
  releasedAt: '2026-08-20T00:00Z',
  detectedAt: '2026-08-21T04:00Z',
  approvedAt: '2026-08-24T08:00Z',
};
const P4: PatchSpec = {
  patchId: 'nginx@1.22.1-9+deb12u3',
  cveIds: ['CVE-2026-30123'],
  severity: 'high',
  basis: 'cvss',
  releasedAt: '2026-06-02T00:00Z',
  detectedAt: '2026-06-03T04:00Z',
  approvedAt: '2026-06-04T08:00Z',
};
const P6: PatchSpec = {
  patchId: 'curl@7.88.1-10+deb12u14',
  cveIds: ['CVE-2026-31337'],
  severity: 'low',
  basis: 'cvss',
  releasedAt: '2026-10-01T00:00Z',
  detectedAt: '2026-10-02T04:00Z',
  approvedAt: '2026-10-19T08:00Z',
};

const DAYS: Record<Severity, number | undefined> = {
  critical: 30,
  high: 90,
  medium: 90,
  low: 180,
  none: undefined,
};

/** A routine deployment: snapshot 10 min before, agent installs for `minutes`, check 30 min after. */
function routine(startIso: string, minutes: number, extra: Partial<AttemptSpec> = {}): AttemptSpec {
  const start = t(startIso);
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    backupAt: iso(start - 10 * 60_000),
    startedAt: iso(start),
    at: iso(start + minutes * 60_000),
    actor: 'rmm-agent',
    verifiedAt: iso(start + (minutes + 30) * 60_000),
    ...extra,
  };
}

export interface OctoberScenario {
  input: ControlTestInput;
  byName: (hostname: string, patchId: string) => RemediationCase;
  events: number;
}

export function octoberScenario(): OctoberScenario {
  const nextId = eventIdSource('evt-');
  const cases: RemediationCase[] = [];
  const dueDates = new Map<string, CaseDueDate>();
  const add = (
    p: PatchSpec,
    asset: AssetFacts,
    attempts: AttemptSpec[],
    extra: Partial<CaseSpec> = {},
  ): void => {
    const c = buildCase(
      {
        asset,
        patchId: p.patchId,
        cveIds: p.cveIds,
        severity: p.severity,
        basis: p.basis,
        kev: p.kev,
        releasedAt: p.releasedAt,
        detectedAt: p.detectedAt,
        kevDueAt: p.kevDueAt,
        approvedAt: p.approvedAt,
        approver: 'j.alvarez',
        attempts,
        ...extra,
      },
      nextId,
    );
    cases.push(c);
    const days = DAYS[p.severity];
    const policyDue = days === undefined ? undefined : t(p.releasedAt) + days * 86_400_000;
    const kevDue = p.kevDueAt === undefined ? undefined : t(p.kevDueAt);
    dueDates.set(
      c.key,
      kevDue !== undefined && (policyDue === undefined || kevDue < policyDue)
        ? { dueAt: kevDue, basis: `KEV dueDate ${p.kevDueAt?.slice(0, 10)}` }
        : { dueAt: policyDue, basis: `policy pci-dss-6.3.3 v1 (release + ${days}d)` },
    );
  };
  const A = ASSETS;

  // P1, October's Windows cumulative update: pilot Wednesday, production Thursday night. srv-app-04's first
  // attempt fails (0x80070005) and the agent retries ten minutes later.
  add(P1, A.pilot01, [routine('2026-10-14T17:30Z', 20)]);
  for (const db of [A.db01, A.db02, A.db03]) add(P1, db, [routine('2026-10-15T18:00Z', 25)]);
  for (const app of [A.app01, A.app02, A.app03]) add(P1, app, [routine('2026-10-15T18:30Z', 20)]);
  add(P1, A.app04, [
    routine('2026-10-15T18:30Z', 5, { outcome: 'failed', errorCode: '0x80070005', verifiedAt: undefined }),
    routine('2026-10-15T18:40Z', 10),
  ]);
  // The legacy server's agent still scans: it reports P1 as missing on 14 October (it cannot install it).
  add(P1, A.legacy01, [], { approvedAt: undefined });

  // P2, September's cumulative update, due 9 October 17:00Z. Most servers had it in September. srv-db-02's
  // install was rolled back on 2 October (the database service failed to start) and redone on 15 October, after
  // the due date. srv-app-03 was never patched. srv-legacy-01 cannot be patched: exception granted 25 September.
  add(P2, A.pilot01, [routine('2026-09-10T17:30Z', 20)]);
  for (const s of [A.db01, A.db03, A.app01, A.app02, A.app04]) add(P2, s, [routine('2026-09-17T18:00Z', 20)]);
  add(P2, A.db02, [
    routine('2026-09-17T18:00Z', 20, { rolledBackAt: '2026-10-02T09:00Z' }),
    routine('2026-10-15T18:30Z', 20),
  ]);
  add(P2, A.app03, []);
  add(P2, A.legacy01, [], {
    approvedAt: undefined,
    exception: {
      grantedAt: '2026-09-25T10:00Z',
      expiresAt: '2027-03-31T00:00:00Z',
      owner: 'm.keller (IT director)',
      approver: 'ciso@acme.example',
      reason:
        'Windows Server 2008 R2 runs the lab instrument software; the vendor has no supported replacement yet',
      compensatingControls: [
        'isolated VLAN 99 with no internet egress',
        'EDR in block mode',
        'weekly access review',
      ],
    },
  });

  // P5, known exploited: KEV due 22 October. Pilot on Tuesday 20th, srv-app-02 only on Saturday 24th (late).
  add(P5, A.pilot01, [routine('2026-10-20T17:30Z', 15)]);
  add(P5, A.app02, [routine('2026-10-24T21:00Z', 20)]);

  // P7, Linux kernel, due 5 November. Pilot Thursday 8th. On Friday 9th at 14:00 local an administrator installs
  // it on srv-web-03 by hand: no approval for that server, no snapshot, outside the windows (verified by
  // monitoring). The rest go out Tuesday 13th; srv-web-02 panics and is rolled back, then redone Thursday 15th.
  add(P7, A.pilot02, [routine('2026-10-08T17:30Z', 10)]);
  add(
    P7,
    A.web03,
    [
      {
        startedAt: '2026-10-09T12:00Z',
        at: '2026-10-09T12:10Z',
        actor: 'k.berg',
        verifiedAt: '2026-10-09T13:00Z',
      },
    ],
    { approvedAt: undefined },
  );
  for (const w of [A.web01, A.web04, A.web05]) add(P7, w, [routine('2026-10-13T18:00Z', 10)]);
  add(P7, A.web02, [
    routine('2026-10-13T18:00Z', 10, { verifiedAt: undefined, rolledBackAt: '2026-10-13T19:30Z' }),
    routine('2026-10-15T19:00Z', 10),
  ]);

  // P3, openssl (high, due 18 November): web servers in September, srv-web-05 only on 7 October.
  add(P3, A.pilot02, [routine('2026-08-25T17:30Z', 5)]);
  for (const w of [A.web01, A.web02, A.web03, A.web04]) add(P3, w, [routine('2026-09-03T18:00Z', 5)]);
  add(P3, A.web05, [routine('2026-10-07T18:00Z', 5)]);

  // P4, nginx (high, due 31 August): everywhere in June except srv-web-04, patched 6 October.
  add(P4, A.pilot02, [routine('2026-06-09T17:30Z', 5)]);
  for (const w of [A.web01, A.web02, A.web03, A.web05]) add(P4, w, [routine('2026-06-11T18:00Z', 5)]);
  add(P4, A.web04, [routine('2026-10-06T18:00Z', 5)]);

  // P6, curl (low, due 30 March): pilot Tuesday 20th, web Wednesday 21st; srv-web-05 on Tuesday 27th at
  // 22:30 CET (21:30Z), inside the window only because the clocks went back on the 25th.
  add(P6, A.pilot02, [routine('2026-10-20T17:30Z', 5)]);
  for (const w of [A.web01, A.web02, A.web03, A.web04]) add(P6, w, [routine('2026-10-21T18:00Z', 5)]);
  add(P6, A.web05, [routine('2026-10-27T21:30Z', 10)]);

  const metrics = emptyMetrics(OCTOBER, AS_OF);
  metrics.casesConsidered = cases.length;
  metrics.eventsConsidered = cases.reduce((n, c) => n + c.eventIds.length, 0);
  // Time to remediate of the cases remediated in October, from release, worked out by hand:
  // critical (17): P1 pilot 1.03, db 2.06 ×3, app 2.08 ×4; P2 srv-db-02 36.08; P5 pilot 7.03, srv-app-02 11.18;
  // P7 pilot 2.24, srv-web-03 3.01, web 7.26 ×3, srv-web-02 9.30 → median 2.24, p90 (16th of 17) 11.18, max 36.08.
  metrics.ttrBySeverity.critical = { count: 17, mean: 6.24, median: 2.24, p90: 11.18, max: 36.08 };
  // high (2): P3 srv-web-05 48.75, P4 srv-web-04 126.75.
  metrics.ttrBySeverity.high = { count: 2, mean: 87.75, median: 87.75, p90: 126.75, max: 126.75 };
  metrics.policy = { key: 'pci-dss-6.3.3', version: 1, clock: 'release', dayKind: 'calendar' };

  const input: ControlTestInput = {
    cases,
    metrics,
    dueDates,
    ledger: { verified: true, headSeq: 4120 },
    assets: Object.values(ASSETS).map(({ os: _os, ...facts }) => facts),
    maintenanceWindows: WINDOWS,
    period: OCTOBER,
    asOf: AS_OF,
    policyLabel: 'pci-dss-6.3.3 v1 (release clock)',
  };
  const byName = (hostname: string, patchId: string): RemediationCase => {
    const c = cases.find((x) => x.hostname === hostname && x.patchId === patchId);
    if (!c) throw new Error(`no case ${hostname} ${patchId}`);
    return c;
  };
  return { input, byName, events: metrics.eventsConsidered };
}
