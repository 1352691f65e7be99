import type {
  ControlTestInput,
  ControlTestName,
  ControlTestRef,
  MaintenanceWindow,
  TestResult,
} from './control.types.js';
import { evaluateControlTest } from './control-tests.js';
import { CONTROL_TEST_NAMES } from './control-test-params.js';
import { asset, buildCase, type CaseSpec, eventIdSource, inputOf, t } from './testing/case-builder.js';

const run = (test: ControlTestName, input: ControlTestInput, params?: ControlTestRef['params']): TestResult =>
  evaluateControlTest({ test, strength: 'direct', params }, input);

const violations = (r: TestResult): string[] =>
  r.findings.filter((f) => (f.kind ?? 'violation') === 'violation').map((f) => f.summary);

const db = asset('srv-db-01', { criticality: 'critical' });
const web = asset('srv-web-01');
const pilot = asset('pilot-01', { ring: 'pilot', criticality: 'low' });

/** A clean change: approved, backed up, deployed in a window, verified, by someone other than the approver. */
function cleanChange(extra: Partial<CaseSpec> = {}, ids = eventIdSource()): ReturnType<typeof buildCase> {
  return buildCase(
    {
      asset: db,
      patchId: 'KB5066835',
      cveIds: ['CVE-2026-4001'],
      releasedAt: '2026-10-13T17:00Z',
      detectedAt: '2026-10-14T06:00Z',
      approvedAt: '2026-10-14T09:00Z',
      approver: 'j.alvarez',
      attempts: [
        {
          backupAt: '2026-10-15T17:40Z',
          startedAt: '2026-10-15T18:00Z',
          at: '2026-10-15T18:20Z',
          actor: 't.nguyen',
          verifiedAt: '2026-10-15T19:00Z',
        },
      ],
      ...extra,
    },
    ids,
  );
}

describe('every test name has an evaluator', () => {
  it.each(CONTROL_TEST_NAMES)('%s returns a result naming itself', (name) => {
    const r = run(name, inputOf([]));
    expect(r.test).toBe(name);
    expect(r.description.length).toBeGreaterThan(10);
  });
});

describe('no_overdue_cases', () => {
  const dueDates = (entries: [string, number | undefined, string][]): ControlTestInput['dueDates'] =>
    new Map(entries.map(([k, dueAt, basis]) => [k, { dueAt, basis }]));

  it('is satisfied when every critical case was remediated by its due date', () => {
    const c = cleanChange();
    const r = run(
      'no_overdue_cases',
      inputOf([c], { dueDates: dueDates([[c.key, t('2026-11-12T17:00Z'), '30d']]) }),
    );
    expect(r.status).toBe('satisfied');
    expect(r.figures.casesInScope).toBe(1);
  });

  it('names each case that breached: one remediated late, one still open, with days late and the basis', () => {
    const ids = eventIdSource();
    const late = buildCase(
      {
        asset: db,
        patchId: 'KB5065426',
        cveIds: ['CVE-2026-3001'],
        detectedAt: '2026-09-10T06:00Z',
        attempts: [{ at: '2026-10-15T18:00Z', actor: 't.nguyen' }],
      },
      ids,
    );
    const open = buildCase({ asset: web, patchId: 'KB5065426', detectedAt: '2026-09-10T06:00Z' }, ids);
    const due = t('2026-10-09T00:00Z');
    const r = run(
      'no_overdue_cases',
      inputOf([late, open], {
        dueDates: dueDates([
          [late.key, due, 'policy pci-dss-6.3.3 v1 (release + 30d)'],
          [open.key, due, 'policy pci-dss-6.3.3 v1 (release + 30d)'],
        ]),
      }),
    );
    expect(r.status).toBe('not_satisfied');
    expect(r.figures.breaches).toBe(2);
    expect(violations(r)).toEqual([
      'srv-db-01 KB5065426 (CVE-2026-3001) critical: remediated 2026-10-15 18:00Z, 6.8 days after its due date 2026-10-09 (policy pci-dss-6.3.3 v1 (release + 30d))',
      'srv-web-01 KB5065426 critical: still open at 2026-11-01 00:00Z, 23 days past its due date 2026-10-09 (policy pci-dss-6.3.3 v1 (release + 30d))',
    ]);
    expect(r.caseKeys).toEqual([late.key, open.key].sort());
    expect(r.eventIds).toEqual(expect.arrayContaining([...late.eventIds, ...open.eventIds]));
  });

  it('does not count a case closed late before the period (last period found it) or one not yet due', () => {
    const ids = eventIdSource();
    const closedInSeptember = buildCase(
      { asset: db, patchId: 'KB1', detectedAt: '2026-08-01T00:00Z', attempts: [{ at: '2026-09-20T00:00Z' }] },
      ids,
    );
    const notYetDue = buildCase({ asset: web, patchId: 'KB2', detectedAt: '2026-10-20T00:00Z' }, ids);
    const r = run(
      'no_overdue_cases',
      inputOf([closedInSeptember, notYetDue], {
        dueDates: dueDates([
          [closedInSeptember.key, t('2026-09-01T00:00Z'), '30d'],
          [notYetDue.key, t('2026-11-19T00:00Z'), '30d'],
        ]),
      }),
    );
    expect(r.figures.casesInScope).toBe(1);
    expect(r.status).toBe('satisfied');
  });

  it('counts a case rolled back and redeployed after its due date as late, even if the first deploy was on time', () => {
    const c = buildCase({
      asset: db,
      patchId: 'KB5065426',
      detectedAt: '2026-09-10T00:00Z',
      attempts: [{ at: '2026-09-20T00:00Z', rolledBackAt: '2026-10-02T00:00Z' }, { at: '2026-10-15T00:00Z' }],
    });
    const r = run(
      'no_overdue_cases',
      inputOf([c], { dueDates: dueDates([[c.key, t('2026-10-09T00:00Z'), '30d']]) }),
    );
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)[0]).toContain('rolled back 1×');
  });

  it('excuses an overdue case only while a valid exception covers the whole overdue time', () => {
    const ids = eventIdSource();
    const legacy = asset('srv-legacy-01', { legacy: true });
    const covered = buildCase(
      {
        asset: legacy,
        patchId: 'KB5065426',
        detectedAt: '2026-09-10T00:00Z',
        exception: { grantedAt: '2026-09-15T00:00Z', expiresAt: '2027-03-31T00:00:00Z' },
      },
      ids,
    );
    const lapsed = buildCase(
      {
        asset: web,
        patchId: 'KB5065426',
        detectedAt: '2026-09-10T00:00Z',
        exception: { grantedAt: '2026-09-15T00:00Z', expiresAt: '2026-10-20T00:00:00Z' },
      },
      ids,
    );
    const due = t('2026-10-09T00:00Z');
    const r = run(
      'no_overdue_cases',
      inputOf([covered, lapsed], {
        dueDates: dueDates([
          [covered.key, due, '30d'],
          [lapsed.key, due, '30d'],
        ]),
      }),
    );
    expect(r.status).toBe('not_satisfied');
    expect(r.figures).toMatchObject({ breaches: 1, excusedByException: 1 });
    expect(violations(r)).toHaveLength(1);
    expect(violations(r)[0]).toMatch(/^srv-web-01 .*its exception did not cover the overdue time$/);
    expect(r.findings.find((f) => f.kind === 'note')?.summary).toContain('srv-legacy-01');
  });

  it('is insufficient evidence when a case in scope has no due date and nothing breached', () => {
    const c = cleanChange({ attempts: [] });
    const r = run(
      'no_overdue_cases',
      inputOf([c], { dueDates: dueDates([[c.key, undefined, 'no release date']]) }),
    );
    expect(r.status).toBe('insufficient_evidence');
    expect(r.findings[0]).toMatchObject({ kind: 'undetermined' });
    expect(r.findings[0].summary).toContain('no release date');
  });

  it('is not applicable when no case of the severity was open in the period', () => {
    const c = cleanChange({ severity: 'medium' });
    expect(run('no_overdue_cases', inputOf([c])).status).toBe('not_applicable');
  });

  it('with maxOpenDays counts from detection instead of the policy due date', () => {
    const c = buildCase({
      asset: web,
      patchId: 'curl@8.5',
      severity: 'low',
      detectedAt: '2026-09-20T00:00Z',
    });
    const r = run('no_overdue_cases', inputOf([c]), { minSeverity: 'low', maxOpenDays: 30 });
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)[0]).toContain('(detection + 30d)');
    expect(r.description).toBe('no case of severity ≥ low open more than 30 days after detection');
  });
});

describe('approved_before_deploy', () => {
  it('is satisfied when the approval precedes the start', () => {
    expect(run('approved_before_deploy', inputOf([cleanChange()])).status).toBe('satisfied');
  });

  it('finds a deployment with no approval and one approved after it started', () => {
    const ids = eventIdSource();
    const none = cleanChange({ approvedAt: undefined, asset: web }, ids);
    const afterStart = cleanChange({ approvedAt: '2026-10-15T18:10Z' }, ids);
    const r = run('approved_before_deploy', inputOf([none, afterStart]));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)).toEqual([
      'srv-web-01 KB5066835 (deployed 2026-10-15 18:20Z): no approval recorded before it ran',
      'srv-db-01 KB5066835 (deployed 2026-10-15 18:20Z): approved 2026-10-15 18:10Z, after the change started 2026-10-15 18:00Z',
    ]);
  });

  it('leaves emergency changes to their own test unless told to include them', () => {
    const emergency = cleanChange({
      approvedAt: '2026-10-16T09:00Z',
      attempts: [{ at: '2026-10-15T18:20Z', actor: 't.nguyen', emergency: true }],
    });
    const r = run('approved_before_deploy', inputOf([emergency]));
    expect(r.status).toBe('not_applicable');
    expect(r.figures.emergencyListedApart).toBe(1);
    expect(run('approved_before_deploy', inputOf([emergency]), { includeEmergency: true }).status).toBe(
      'not_satisfied',
    );
  });

  it('counts a failed attempt as a change, and ignores attempts outside the period', () => {
    const ids = eventIdSource();
    const failed = cleanChange(
      { approvedAt: undefined, attempts: [{ at: '2026-10-20T18:00Z', outcome: 'failed' }] },
      ids,
    );
    const september = cleanChange(
      { asset: web, approvedAt: undefined, attempts: [{ at: '2026-09-20T18:00Z' }] },
      ids,
    );
    const r = run('approved_before_deploy', inputOf([failed, september]));
    expect(r.figures.deployments).toBe(1);
    expect(violations(r)[0]).toContain('failed attempt');
  });
});

describe('pilot_before_production', () => {
  const assets = [db, web, pilot, asset('srv-x', { ring: undefined })];

  it('is satisfied when the same patch succeeded in a pilot ring before, even in an earlier period', () => {
    const ids = eventIdSource();
    const p = buildCase({ asset: pilot, patchId: 'KB5066835', attempts: [{ at: '2026-09-28T18:00Z' }] }, ids);
    const r = run('pilot_before_production', inputOf([p, cleanChange({}, ids)], { assets }));
    expect(r.status).toBe('satisfied');
    expect(r.eventIds).toContain(p.attempts[0].eventId);
  });

  it('finds a production change whose pilot came later or failed', () => {
    const ids = eventIdSource();
    const later = buildCase(
      { asset: pilot, patchId: 'KB5066835', attempts: [{ at: '2026-10-16T18:00Z' }] },
      ids,
    );
    const failed = buildCase(
      {
        asset: asset('pilot-02', { ring: 'pilot' }),
        patchId: 'KB5066835',
        attempts: [{ at: '2026-10-14T18:00Z', outcome: 'failed' }],
      },
      ids,
    );
    const r = run('pilot_before_production', inputOf([later, failed, cleanChange({}, ids)], { assets }));
    expect(r.status).toBe('not_satisfied');
    expect(r.figures).toMatchObject({ productionDeployments: 1, notTestedFirst: 1 });
  });

  it('honours a minimum soak time', () => {
    const ids = eventIdSource();
    const p = buildCase({ asset: pilot, patchId: 'KB5066835', attempts: [{ at: '2026-10-15T12:00Z' }] }, ids);
    const input = inputOf([p, cleanChange({}, ids)], { assets });
    expect(run('pilot_before_production', input).status).toBe('satisfied');
    expect(run('pilot_before_production', input, { minSoakHours: 24 }).status).toBe('not_satisfied');
  });

  it('is insufficient evidence when a deployment has no ring anywhere', () => {
    const c = cleanChange({ asset: asset('srv-x', { ring: undefined }) });
    expect(run('pilot_before_production', inputOf([c], { assets })).status).toBe('insufficient_evidence');
  });

  it('is not applicable when no change reached a production ring', () => {
    const p = buildCase({ asset: pilot, patchId: 'KB5066835', attempts: [{ at: '2026-10-14T18:00Z' }] });
    expect(run('pilot_before_production', inputOf([p], { assets })).status).toBe('not_applicable');
  });

  it('reads the ring from the deployment before the asset, with the catalog ring names', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-15T18:20Z', ring: 'lab' }] });
    expect(run('pilot_before_production', inputOf([c], { assets })).status).toBe('not_applicable');
    expect(run('pilot_before_production', inputOf([c], { assets }), { productionRings: 'lab' }).status).toBe(
      'not_satisfied',
    );
  });
});

describe('inside_maintenance_window', () => {
  // Tue–Thu 19:00–23:00 and Sat 22:00–Sun 04:00, Berlin time (CEST = UTC+2 until 25 October, then CET = UTC+1).
  const windows: MaintenanceWindow[] = [
    { days: ['tue', 'wed', 'thu'], start: '19:00', end: '23:00', timeZone: 'Europe/Berlin' },
    { days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Berlin' },
  ];
  const at = (startedAt: string, end: string, extra: object = {}): ReturnType<typeof buildCase> =>
    cleanChange({ attempts: [{ startedAt, at: end, ...extra }] });

  it('is satisfied for changes inside the windows, on local time across the DST change', () => {
    const ids = eventIdSource();
    const cases = [
      // Thu 15 Oct 20:00–20:20 CEST
      cleanChange({ attempts: [{ startedAt: '2026-10-15T18:00Z', at: '2026-10-15T18:20Z' }] }, ids),
      // Sat 24 Oct 23:30 CEST → Sun 00:30 CEST: past midnight inside the Saturday window
      cleanChange(
        { asset: web, attempts: [{ startedAt: '2026-10-24T21:30Z', at: '2026-10-24T22:30Z' }] },
        ids,
      ),
      // Tue 27 Oct 19:30 CET = 18:30Z (the same instant in summer would be 20:30 local)
      cleanChange(
        { asset: pilot, attempts: [{ startedAt: '2026-10-27T18:30Z', at: '2026-10-27T18:45Z' }] },
        ids,
      ),
    ];
    const r = run('inside_maintenance_window', inputOf(cases, { maintenanceWindows: windows }));
    expect(r.status).toBe('satisfied');
    expect(r.figures.insideWindows).toBe(3);
  });

  it('finds a change outside the windows and one that overran the window end', () => {
    const outside = at('2026-10-16T12:00Z', '2026-10-16T12:30Z'); // Fri 14:00 CEST
    const overran = at('2026-10-15T20:50Z', '2026-10-15T21:40Z'); // Thu 22:50–23:40 CEST
    expect(run('inside_maintenance_window', inputOf([outside], { maintenanceWindows: windows })).status).toBe(
      'not_satisfied',
    );
    const r = run('inside_maintenance_window', inputOf([overran], { maintenanceWindows: windows }));
    expect(violations(r)[0]).toContain('outside the windows tue,wed,thu 19:00–23:00 Europe/Berlin');
  });

  it('lists emergency changes apart instead of counting them', () => {
    const emergency = at('2026-10-16T12:00Z', '2026-10-16T12:30Z', { emergency: true });
    const r = run('inside_maintenance_window', inputOf([emergency], { maintenanceWindows: windows }));
    expect(r.status).toBe('not_applicable');
    expect(r.findings).toEqual([
      expect.objectContaining({
        kind: 'note',
        summary: expect.stringContaining('emergency change, outside'),
      }),
    ]);
  });

  it('applies a window only to its own client', () => {
    const c = at('2026-10-15T18:00Z', '2026-10-15T18:20Z');
    const other = windows.map((w) => ({ ...w, clientId: 'client-other' }));
    expect(run('inside_maintenance_window', inputOf([c], { maintenanceWindows: other })).status).toBe(
      'insufficient_evidence',
    );
  });

  it('is insufficient evidence with no windows defined, or a window that cannot be read', () => {
    const c = at('2026-10-15T18:00Z', '2026-10-15T18:20Z');
    expect(run('inside_maintenance_window', inputOf([c])).status).toBe('insufficient_evidence');
    const broken = [{ days: ['tue' as const], start: '25:00', end: '23:00', timeZone: 'Mars/Olympus' }];
    const r = run('inside_maintenance_window', inputOf([c], { maintenanceWindows: broken }));
    expect(r.status).toBe('insufficient_evidence');
    expect(r.findings[0].summary).toMatch(/start: must be HH:MM.*timeZone: must be an IANA time zone/);
  });

  it('is not applicable with no deployment in the period', () => {
    expect(run('inside_maintenance_window', inputOf([], { maintenanceWindows: windows })).status).toBe(
      'not_applicable',
    );
  });
});

describe('backup_before_critical_change', () => {
  const assets = [db, web];

  it('is satisfied when every change to a critical asset had a verified backup first', () => {
    const ids = eventIdSource();
    const noBackupOnMedium = cleanChange({ asset: web, attempts: [{ at: '2026-10-15T18:20Z' }] }, ids);
    const r = run(
      'backup_before_critical_change',
      inputOf([cleanChange({}, ids), noBackupOnMedium], { assets }),
    );
    expect(r.status).toBe('satisfied');
    expect(r.figures.changesInScope).toBe(1);
  });

  it('finds a critical change without a backup, or with the backup taken after it started', () => {
    const ids = eventIdSource();
    const none = cleanChange({ attempts: [{ at: '2026-10-15T18:20Z' }] }, ids);
    const after = cleanChange(
      {
        patchId: 'KB2',
        attempts: [
          { startedAt: '2026-10-15T18:00Z', at: '2026-10-15T18:20Z', backupAt: '2026-10-15T18:05Z' },
        ],
      },
      ids,
    );
    const r = run('backup_before_critical_change', inputOf([none, after], { assets }));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)).toEqual([
      'srv-db-01 KB5066835 (deployed 2026-10-15 18:20Z): no verified backup before a change to a critical asset',
      'srv-db-01 KB2 (deployed 2026-10-15 18:20Z): backup verified 2026-10-15 18:05Z, after the change started',
    ]);
  });

  it('widens the scope with minCriticality', () => {
    const c = cleanChange({ asset: web, attempts: [{ at: '2026-10-15T18:20Z' }] });
    expect(
      run('backup_before_critical_change', inputOf([c], { assets }), { minCriticality: 'medium' }).status,
    ).toBe('not_satisfied');
  });

  it('is insufficient evidence when a changed asset is missing from the inventory', () => {
    expect(run('backup_before_critical_change', inputOf([cleanChange()])).status).toBe(
      'insufficient_evidence',
    );
  });

  it('is not applicable when no critical asset changed', () => {
    const c = cleanChange({ asset: web });
    expect(run('backup_before_critical_change', inputOf([c], { assets })).status).toBe('not_applicable');
  });
});

describe('post_change_verification', () => {
  it('is satisfied when verified within the hours, or rolled back within them', () => {
    const ids = eventIdSource();
    const rolledBack = cleanChange(
      { asset: web, attempts: [{ at: '2026-10-15T18:20Z', rolledBackAt: '2026-10-15T19:30Z' }] },
      ids,
    );
    const r = run('post_change_verification', inputOf([cleanChange({}, ids), rolledBack]));
    expect(r.status).toBe('satisfied');
    expect(r.figures).toMatchObject({ verifiedInTime: 1, rolledBackInTime: 1 });
  });

  it('finds a late verification and a missing one; failed attempts are not asked for one', () => {
    const ids = eventIdSource();
    const late = cleanChange(
      { attempts: [{ at: '2026-10-15T18:00Z', verifiedAt: '2026-10-17T00:30Z' }] },
      ids,
    );
    const missing = cleanChange({ asset: web, attempts: [{ at: '2026-10-15T18:00Z' }] }, ids);
    const failed = cleanChange(
      { asset: pilot, attempts: [{ at: '2026-10-15T18:00Z', outcome: 'failed' }] },
      ids,
    );
    const r = run('post_change_verification', inputOf([late, missing, failed]));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)).toEqual([
      'srv-db-01 KB5066835 (deployed 2026-10-15 18:00Z): first checked 30.5 h after deployment (limit 24 h)',
      'srv-web-01 KB5066835 (deployed 2026-10-15 18:00Z): no post-change verification recorded within 24 h',
    ]);
  });

  it('is insufficient evidence while the only verification is not yet due at the as-of instant', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-31T20:00Z' }] });
    const r = run('post_change_verification', inputOf([c], { asOf: t('2026-11-01T02:00Z') }));
    expect(r.status).toBe('insufficient_evidence');
    expect(r.figures.pending).toBe(1);
  });

  it('is not applicable with no successful deployment', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-15T18:00Z', outcome: 'failed' }] });
    expect(run('post_change_verification', inputOf([c])).status).toBe('not_applicable');
  });
});

describe('segregation_of_duties', () => {
  it('is satisfied when approver and deployer differ', () => {
    expect(run('segregation_of_duties', inputOf([cleanChange()])).status).toBe('satisfied');
  });

  it('finds the same person approving and deploying, whatever the letter case', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-15T18:20Z', actor: 'J.Alvarez ' }] });
    const r = run('segregation_of_duties', inputOf([c]));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)[0]).toContain('approved and deployed by the same person');
  });

  it('is insufficient evidence when the deployer is not recorded', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-15T18:20Z' }] });
    expect(run('segregation_of_duties', inputOf([c])).status).toBe('insufficient_evidence');
  });

  it('leaves unapproved changes to the approval test (not applicable here)', () => {
    const c = cleanChange({ approvedAt: undefined });
    const r = run('segregation_of_duties', inputOf([c]));
    expect(r.status).toBe('not_applicable');
    expect(r.figures.unapprovedNotJudged).toBe(1);
  });

  it('compares with the approver of an emergency change approved afterwards', () => {
    const c = cleanChange({
      approvedAt: '2026-10-16T09:00Z',
      approver: 't.nguyen',
      attempts: [{ at: '2026-10-15T18:20Z', actor: 't.nguyen', emergency: true }],
    });
    expect(run('segregation_of_duties', inputOf([c])).status).toBe('not_satisfied');
  });
});

describe('ledger_verifies', () => {
  it('is satisfied, not satisfied (naming the break) or insufficient for an empty ledger', () => {
    expect(run('ledger_verifies', inputOf([])).status).toBe('satisfied');
    const broken = run(
      'ledger_verifies',
      inputOf([], { ledger: { verified: false, firstBadSeq: 57, headSeq: 412 } }),
    );
    expect(broken.status).toBe('not_satisfied');
    expect(broken.findings[0].summary).toBe(
      'the event ledger does not verify: the hash chain breaks at sequence 57 of 412',
    );
    expect(run('ledger_verifies', inputOf([], { ledger: { verified: true, headSeq: 0 } })).status).toBe(
      'insufficient_evidence',
    );
  });
});

describe('asset_coverage', () => {
  it('is satisfied when every asset reported, and names each silent one otherwise', () => {
    expect(run('asset_coverage', inputOf([], { assets: [db, web] })).status).toBe('satisfied');
    const silent = asset('srv-old-01', { reportedInPeriod: false, legacy: true });
    const r = run('asset_coverage', inputOf([], { assets: [db, web, silent] }));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)).toEqual(['srv-old-01: no patch data reported in the period (legacy asset)']);
    expect(r.figures.coverage).toBeCloseTo(2 / 3);
  });

  it('accepts a share below 100% when the catalog says so, still listing the silent assets', () => {
    const r = run(
      'asset_coverage',
      inputOf([], { assets: [db, web, asset('x', { reportedInPeriod: false })] }),
      {
        minShare: 0.6,
      },
    );
    expect(r.status).toBe('satisfied');
    expect(r.findings).toHaveLength(1);
  });

  it('is insufficient evidence with an empty inventory', () => {
    expect(run('asset_coverage', inputOf([])).status).toBe('insufficient_evidence');
  });
});

describe('exceptions_well_formed', () => {
  const excepted = (
    exception: CaseSpec['exception'],
    extra: Partial<CaseSpec> = {},
  ): ReturnType<typeof buildCase> =>
    buildCase({
      asset: asset('srv-legacy-01', { legacy: true }),
      patchId: 'KB5065426',
      detectedAt: '2026-09-10T00:00Z',
      exception,
      ...extra,
    });

  it('is satisfied for an exception with owner, approver, reason, controls and a date in range', () => {
    const c = excepted({ grantedAt: '2026-09-15T00:00Z', expiresAt: '2027-03-31T00:00:00Z' });
    expect(run('exceptions_well_formed', inputOf([c])).status).toBe('satisfied');
  });

  it('lists every defect of an exception', () => {
    const c = excepted({
      grantedAt: '2026-09-15T00:00Z',
      expiresAt: '2026-10-20T00:00:00Z',
      owner: ' ',
      compensatingControls: [],
    });
    const r = run('exceptions_well_formed', inputOf([c]));
    expect(r.status).toBe('not_satisfied');
    expect(r.findings[0].summary).toBe(
      'exception on srv-legacy-01 KB5065426 granted 2026-09-15: no owner; no compensating control; expired 2026-10-20 00:00Z while the case was still open',
    );
  });

  it('rejects an unreadable expiry date and one too far out', () => {
    const ids = eventIdSource();
    const bad = excepted(
      { grantedAt: '2026-09-15T00:00Z', expiresAt: 'when the vendor ships a fix' },
      { asset: web },
    );
    const far = buildCase(
      {
        asset: db,
        patchId: 'KB1',
        exception: { grantedAt: '2026-09-15T00:00Z', expiresAt: '2028-09-15T00:00:00Z' },
      },
      ids,
    );
    const r = run('exceptions_well_formed', inputOf([bad, far]));
    expect(violations(r)).toEqual([
      'exception on srv-web-01 KB5065426 granted 2026-09-15: expiry date "when the vendor ships a fix" is not a date',
      'exception on srv-db-01 KB1 granted 2026-09-15: runs 731 days, more than the 365 allowed',
    ]);
  });

  it('does not hold an exception against its case once the case was closed before it expired', () => {
    const c = excepted(
      { grantedAt: '2026-09-15T00:00Z', expiresAt: '2026-10-20T00:00:00Z' },
      { attempts: [{ at: '2026-10-10T00:00Z' }] },
    );
    expect(run('exceptions_well_formed', inputOf([c])).status).toBe('satisfied');
  });

  it('is not applicable when no exception was in force in the period', () => {
    const old = excepted(
      { grantedAt: '2026-01-15T00:00Z', expiresAt: '2026-06-30T00:00:00Z' },
      { attempts: [{ at: '2026-06-01T00:00Z' }] },
    );
    expect(run('exceptions_well_formed', inputOf([old, cleanChange()])).status).toBe('not_applicable');
  });
});

describe('rollback_plan_evidence', () => {
  it('is satisfied by a backup before the change or a recorded rollback', () => {
    const ids = eventIdSource();
    const rolledBack = cleanChange(
      { asset: web, attempts: [{ at: '2026-10-15T18:00Z', rolledBackAt: '2026-10-15T19:00Z' }] },
      ids,
    );
    const r = run('rollback_plan_evidence', inputOf([cleanChange({}, ids), rolledBack]));
    expect(r.status).toBe('satisfied');
    expect(r.figures.rolledBack).toBe(1);
  });

  it('finds a change with no back-out route', () => {
    const c = cleanChange({ attempts: [{ at: '2026-10-15T18:00Z' }] });
    const r = run('rollback_plan_evidence', inputOf([c]));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)[0]).toContain('no back-out route on record');
  });

  it('is not applicable with no change in the period', () => {
    expect(run('rollback_plan_evidence', inputOf([])).status).toBe('not_applicable');
  });
});

describe('emergency_change_retro_approval', () => {
  const emergency = (approvedAt: string | undefined): ReturnType<typeof buildCase> =>
    cleanChange({ approvedAt, attempts: [{ at: '2026-10-20T03:00Z', actor: 't.nguyen', emergency: true }] });

  it('is satisfied when approved within the days after', () => {
    expect(run('emergency_change_retro_approval', inputOf([emergency('2026-10-21T09:00Z')])).status).toBe(
      'satisfied',
    );
  });

  it('finds a late approval and a missing one', () => {
    const late = run('emergency_change_retro_approval', inputOf([emergency('2026-10-27T09:00Z')]));
    expect(late.status).toBe('not_satisfied');
    expect(violations(late)[0]).toContain('approved 7.3 days later (limit 3)');
    expect(violations(run('emergency_change_retro_approval', inputOf([emergency(undefined)])))[0]).toContain(
      'never approved',
    );
  });

  it('is insufficient evidence while the approval is not yet due', () => {
    const r = run(
      'emergency_change_retro_approval',
      inputOf([emergency(undefined)], { asOf: t('2026-10-21T00:00Z') }),
    );
    expect(r.status).toBe('insufficient_evidence');
  });

  it('is not applicable with no emergency change', () => {
    expect(run('emergency_change_retro_approval', inputOf([cleanChange()])).status).toBe('not_applicable');
  });
});

describe('severity_ranked', () => {
  it('is satisfied when every open case has a KEV, CVSS or vendor rating', () => {
    expect(run('severity_ranked', inputOf([cleanChange()])).status).toBe('satisfied');
  });

  it('finds an unranked case and a KEV case ranked by something else', () => {
    const ids = eventIdSource();
    const unranked = cleanChange({ basis: 'default' }, ids);
    const kev = cleanChange({ asset: web, kev: true, basis: 'cvss' }, ids);
    const r = run('severity_ranked', inputOf([unranked, kev]));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)).toHaveLength(2);
  });

  it('is not applicable when no case was open in the period', () => {
    const old = cleanChange({ attempts: [{ at: '2026-09-01T00:00Z' }], detectedAt: '2026-08-01T00:00Z' });
    expect(run('severity_ranked', inputOf([old])).status).toBe('not_applicable');
  });
});

describe('ttr_measured', () => {
  const withTtr = (count: number, p90: number | null): ControlTestInput => {
    const input = inputOf([cleanChange()]);
    input.metrics.ttrBySeverity.critical = { count, mean: p90, median: p90, p90, max: p90 };
    return input;
  };

  it('is satisfied when the statistic is within the benchmark, and not otherwise', () => {
    expect(run('ttr_measured', withTtr(12, 9.5)).status).toBe('satisfied');
    const over = run('ttr_measured', withTtr(12, 36.2));
    expect(over.status).toBe('not_satisfied');
    expect(over.findings[0].summary).toBe(
      'p90 time to remediate critical cases is 36.2 days, above the 30-day benchmark (12 remediated)',
    );
  });

  it('is insufficient evidence when cases exist but none was remediated, not applicable when none exist', () => {
    const open = inputOf([cleanChange({ attempts: [] })]);
    expect(run('ttr_measured', open).status).toBe('insufficient_evidence');
    expect(run('ttr_measured', inputOf([])).status).toBe('not_applicable');
  });
});

describe('legacy_assets_accounted', () => {
  const legacy = asset('srv-legacy-01', { legacy: true });

  it('is satisfied when each legacy asset has a valid, owned exception with compensating controls', () => {
    const c = buildCase({
      asset: legacy,
      patchId: 'KB1',
      exception: { grantedAt: '2026-09-15T00:00Z', expiresAt: '2027-03-31T00:00:00Z' },
    });
    const r = run('legacy_assets_accounted', inputOf([c], { assets: [legacy, db] }));
    expect(r.status).toBe('satisfied');
    expect(r.findings[0]).toMatchObject({ kind: 'note' });
  });

  it('finds a legacy asset whose exception expired, or that has none', () => {
    const c = buildCase({
      asset: legacy,
      patchId: 'KB1',
      exception: { grantedAt: '2026-04-01T00:00Z', expiresAt: '2026-10-01T00:00:00Z' },
    });
    const r = run('legacy_assets_accounted', inputOf([c], { assets: [legacy] }));
    expect(r.status).toBe('not_satisfied');
    expect(violations(r)[0]).toMatch(/^srv-legacy-01 \(legacy\): no risk acceptance in force/);
  });

  it('is not applicable without legacy assets', () => {
    expect(run('legacy_assets_accounted', inputOf([], { assets: [db] })).status).toBe('not_applicable');
  });
});

describe('references', () => {
  it('are sorted and unique, so the same input gives byte-identical results', () => {
    const ids = eventIdSource();
    const cases = [cleanChange({ asset: web }, ids), cleanChange({}, ids)];
    const a = run('approved_before_deploy', inputOf(cases));
    const b = run('approved_before_deploy', inputOf([...cases].reverse()));
    expect(a).toEqual(b);
    expect(a.eventIds).toEqual([...new Set(a.eventIds)].sort());
  });
});
