/**
 * October 2026 at client-acme (testing/october-scenario.ts), evaluated against every shipped catalog. Each
 * expectation was worked out by hand from the scenario's story before running the code; the reason is written
 * next to it.
 *
 * The facts a person finds working the month by hand:
 * - 27 deployment attempts ended in October (26 successful, 1 failed retry on srv-app-04).
 * - Critical cases past due in October (policy release + 30 d, KEV due date first): srv-db-02 KB5065426 (rolled
 *   back 2 Oct, redone 15 Oct, 6.1 days late), srv-app-03 KB5065426 (never patched, 22.3 days past due at month
 *   end), srv-app-02 KB5067112 (KEV due 22 Oct, patched 24 Oct, 2.9 days late). srv-legacy-01 KB5065426 is past
 *   due too, but its exception (25 Sep – 31 Mar) covers all of October: excused.
 * - High: srv-web-04 nginx (due 31 Aug, patched 6 Oct, 36.8 days late). openssl on srv-web-05 is due 18 Nov.
 * - Open more than 30 days after detection (CIS reading): the three P2/P4 cases above plus srv-web-05 openssl
 *   (detected 21 Aug, patched 7 Oct); srv-legacy-01 again excused.
 * - One change without approval, snapshot or window: srv-web-03 kernel, Friday 9 Oct 14:00 local, by k.berg.
 * - Every production change had the same patch in a pilot ring first; every change to srv-db-* had a snapshot;
 *   every successful deployment was checked within an hour (srv-web-02's kernel was rolled back after 80 min).
 * - Approver j.alvarez never deploys; no emergency change; the ledger verifies; all 15 assets reported.
 * - Time to remediate from release: critical p90 11.2 days (≤ 30); high p90 126.8 days (> 90).
 */
import { loadFrameworkCatalogs } from './catalog.js';
import { drawChangeSample } from './change-sample.js';
import type { ControlStatus, FrameworkId } from './control.types.js';
import { periodDeployments } from './deployments.js';
import { evaluateFramework } from './evaluate-controls.js';
import { octoberScenario } from './testing/october-scenario.js';

const { catalogs } = loadFrameworkCatalogs();
const scenario = octoberScenario();

type Expected = [controlId: string, status: ControlStatus, reason: string][];

const EXPECTED: Record<FrameworkId, Expected> = {
  hipaa: [
    ['164.308(a)(1)(ii)(A)', 'satisfied', 'interpretive only: every case ranked, every asset reported'],
    [
      '164.308(a)(1)(ii)(B)',
      'not_satisfied',
      'interpretive only, and four high/critical cases went past due',
    ],
    ['164.308(a)(1)(ii)(D)', 'satisfied', 'ledger verifies and all 15 assets reported'],
    ['164.308(a)(5)(ii)(B)', 'not_satisfied', 'supporting: three critical cases past due'],
    ['164.308(a)(7)(ii)(A)', 'satisfied', 'all four changes to srv-db-* had a verified snapshot first'],
    ['164.308(a)(7)(ii)(B)', 'not_satisfied', 'supporting: the srv-web-03 change had no back-out route'],
    ['164.308(a)(8)', 'satisfied', 'every successful deployment checked within 24 h'],
    ['164.312(b)', 'satisfied', 'ledger verifies'],
    ['164.312(c)(1)', 'satisfied', 'ledger verifies'],
    ['164.316(b)(2)(i)', 'satisfied', 'ledger verifies'],
  ],
  'pci-dss': [
    ['6.3.1', 'satisfied', 'every case ranked (KEV for the KEV item)'],
    ['6.3.3', 'not_satisfied', 'three critical cases past due: srv-db-02, srv-app-03, srv-app-02'],
    ['6.5.1', 'not_satisfied', 'srv-web-03 change: no approval, no back-out route'],
    ['6.5.2', 'satisfied', 'every successful deployment checked within 24 h'],
    ['6.5.4', 'satisfied', 'approver and deployer always differ; the unapproved change is 6.5.1s finding'],
    ['10.2.1', 'satisfied', 'ledger verifies'],
    ['10.5.1', 'satisfied', 'ledger verifies'],
    ['11.3.1', 'not_satisfied', 'supporting: four high/critical cases past due'],
    ['12.3.4', 'satisfied', 'the legacy server has a valid, owned exception with compensating controls'],
  ],
  'sox-itgc': [
    ['BAI06.01', 'not_satisfied', 'srv-web-03 change ran without approval'],
    ['BAI06.02', 'not_applicable', 'no emergency change in October'],
    ['BAI07.05', 'satisfied', 'every production change had a pilot deployment of the same patch first'],
    ['BAI07.01', 'not_satisfied', 'srv-web-03 change: no snapshot and no rollback'],
    ['BAI07.08', 'satisfied', 'every successful deployment checked within 24 h'],
    ['DSS04.07', 'satisfied', 'every change to a critical server had a verified snapshot first'],
    ['CC8.1', 'satisfied', 'approver never deployed'],
    ['AS 1105.10', 'satisfied', 'ledger verifies and every asset reported'],
  ],
  'nist-800-53': [
    ['SI-2', 'not_satisfied', 'three critical cases past due'],
    ['SI-2(3)', 'not_satisfied', 'critical p90 11.2 ≤ 30 but high p90 126.8 > 90'],
    ['RA-5', 'not_satisfied', 'coverage complete, but supporting: high/critical cases past due'],
    ['CM-3', 'not_satisfied', 'srv-web-03 change ran without approval'],
    ['CP-9', 'satisfied', 'snapshots before every change to a critical server'],
    ['CP-10', 'not_satisfied', 'supporting: the srv-web-03 change had no back-out route'],
  ],
  'cis-v8': [
    ['7.3', 'not_satisfied', 'four rated cases open more than 30 days after detection'],
    ['7.4', 'not_satisfied', 'same evidence as 7.3'],
    ['7.7', 'not_satisfied', 'four high/critical cases past their SLA deadline'],
    [
      '11.5',
      'satisfied',
      'snapshots verified (supporting); the back-out gap is interpretive and does not override',
    ],
  ],
};

describe('October 2026 at client-acme, framework by framework', () => {
  it('is a scenario of a few hundred events', () => {
    expect(scenario.events).toBeGreaterThanOrEqual(250);
    expect(periodDeployments(scenario.input)).toHaveLength(27);
  });

  it.each(Object.keys(EXPECTED) as FrameworkId[])('%s: every control as worked out by hand', (framework) => {
    const evaluations = evaluateFramework(catalogs.get(framework)!.catalog, scenario.input);
    const got = evaluations.map((e) => [e.controlId, e.status]);
    expect(got).toEqual(EXPECTED[framework].map(([id, status]) => [id, status]));
  });
});

describe('the findings an auditor samples from', () => {
  const pci = evaluateFramework(catalogs.get('pci-dss')!.catalog, scenario.input);
  const control = (id: string): (typeof pci)[number] => pci.find((e) => e.controlId === id)!;
  const violations = (id: string, test: string): string[] =>
    control(id)
      .results.find((r) => r.test === test)!
      .findings.filter((f) => (f.kind ?? 'violation') === 'violation')
      .map((f) => f.summary);

  it('6.3.3 names the three cases that breached, and lists the excused legacy case apart', () => {
    expect(violations('6.3.3', 'no_overdue_cases')).toEqual([
      'srv-db-02 KB5065426 (CVE-2026-38001) critical: remediated 2026-10-15 18:50Z, 6.1 days after its due date 2026-10-09 (policy pci-dss-6.3.3 v1 (release + 30d)); rolled back 1×',
      'srv-app-03 KB5065426 (CVE-2026-38001) critical: still open at 2026-11-01 00:00Z, 22.3 days past its due date 2026-10-09 (policy pci-dss-6.3.3 v1 (release + 30d))',
      'srv-app-02 KB5067112 (CVE-2026-42424) critical: remediated 2026-10-24 21:20Z, 2.9 days after its due date 2026-10-22 (KEV dueDate 2026-10-22)',
    ]);
    const result = control('6.3.3').results[0];
    expect(result.figures).toMatchObject({ breaches: 3, excusedByException: 1, withoutDueDate: 0 });
    expect(result.findings.filter((f) => f.kind === 'note').map((f) => f.caseKey)).toEqual([
      scenario.byName('srv-legacy-01', 'KB5065426').key,
    ]);
    // The evidence trail of each breach is referenced: every event of the three cases.
    for (const [host, patch] of [
      ['srv-db-02', 'KB5065426'],
      ['srv-app-03', 'KB5065426'],
      ['srv-app-02', 'KB5067112'],
    ]) {
      expect(result.eventIds).toEqual(expect.arrayContaining(scenario.byName(host, patch).eventIds));
    }
  });

  it('6.5.1 names the unapproved change twice (approval and back-out), and nothing else', () => {
    const rogue = 'srv-web-03 linux-image-amd64@6.1.158-1 (deployed 2026-10-09 12:10Z)';
    expect(violations('6.5.1', 'approved_before_deploy')).toEqual([
      `${rogue}: no approval recorded before it ran`,
    ]);
    expect(violations('6.5.1', 'rollback_plan_evidence')).toEqual([
      `${rogue}: no back-out route on record: no verified backup or snapshot before it, and no rollback`,
    ]);
    expect(control('6.5.1').results.map((r) => r.status)).toEqual([
      'not_satisfied',
      'not_satisfied',
      'satisfied',
      'not_applicable',
    ]);
  });

  it('the windows test finds only the Friday-afternoon change, across the DST change', () => {
    const sox = evaluateFramework(catalogs.get('sox-itgc')!.catalog, scenario.input);
    const windows = sox.find((e) => e.controlId === 'BAI06.01')!.results[1];
    expect(windows.status).toBe('not_satisfied');
    expect(windows.figures).toMatchObject({ plannedDeployments: 27, insideWindows: 26, outsideWindows: 1 });
    expect(windows.findings.map((f) => f.summary)).toEqual([
      expect.stringMatching(
        /^srv-web-03 linux-image-amd64@6\.1\.158-1 .*ran 2026-10-09 12:00Z–2026-10-09 12:10Z/,
      ),
    ]);
  });

  it('SI-2(3) fails on the high benchmark only', () => {
    const nist = evaluateFramework(catalogs.get('nist-800-53')!.catalog, scenario.input);
    const ttr = nist.find((e) => e.controlId === 'SI-2(3)')!.results;
    expect(ttr.map((r) => [r.figures.severity, r.status])).toEqual([
      ['critical', 'satisfied'],
      ['high', 'not_satisfied'],
    ]);
  });
});

describe('the SOX change sample of the month', () => {
  const deployments = periodDeployments(scenario.input);
  const sample = drawChangeSample(deployments, 'client-acme 2026-10');

  it('draws 25 of the 27 changes, re-drawable from the recorded seed', () => {
    expect(sample).toMatchObject({ populationSize: 27, requestedSize: 25 });
    expect(sample.items).toHaveLength(25);
    expect(drawChangeSample([...deployments].reverse(), sample.seed, 25)).toEqual(sample);
  });

  it('evaluates each sampled change the way the control tests do', () => {
    for (const item of sample.items) {
      const rogue = item.hostname === 'srv-web-03' && item.patchId === 'linux-image-amd64@6.1.158-1';
      expect({
        id: item.eventId,
        approved: item.approvedBeforeDeploy,
        backOut: item.backOutEvidence,
      }).toEqual({
        id: item.eventId,
        approved: !rogue,
        backOut: !rogue,
      });
      expect(item.testedInPilotFirst).toBe(item.ring === 'pilot' ? null : true);
      expect(item.segregationOfDuties).toBe(rogue ? null : true);
      expect(item.emergency).toBe(false);
    }
  });
});
