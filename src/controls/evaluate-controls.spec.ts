import type { ControlStatus, FrameworkCatalog, MappingStrength, TestResult } from './control.types.js';
import { evaluateFramework, rollUpStatus } from './evaluate-controls.js';
import { asset, buildCase, inputOf } from './testing/case-builder.js';

const r = (strength: MappingStrength, status: ControlStatus): TestResult => ({
  test: 'ledger_verifies',
  strength,
  status,
  description: '',
  figures: {},
  findings: [],
  caseKeys: [],
  eventIds: [],
});

describe('rollUpStatus', () => {
  it.each<[string, TestResult[], ControlStatus]>([
    [
      'rule 1: a direct failure fails the control',
      [r('direct', 'not_satisfied'), r('supporting', 'satisfied')],
      'not_satisfied',
    ],
    [
      'rule 1: a supporting failure fails it too',
      [r('direct', 'satisfied'), r('supporting', 'not_satisfied')],
      'not_satisfied',
    ],
    [
      'rule 1: failure outweighs missing evidence',
      [r('direct', 'insufficient_evidence'), r('supporting', 'not_satisfied')],
      'not_satisfied',
    ],
    [
      'rule 2: the direct tier decides: all passed',
      [r('direct', 'satisfied'), r('supporting', 'insufficient_evidence')],
      'satisfied',
    ],
    [
      'rule 2: direct evidence missing',
      [r('direct', 'insufficient_evidence'), r('supporting', 'satisfied')],
      'insufficient_evidence',
    ],
    [
      'rule 2: supporting decides when direct is not applicable',
      [r('direct', 'not_applicable'), r('supporting', 'insufficient_evidence')],
      'insufficient_evidence',
    ],
    [
      'rule 3: interpretive failure does not override a stronger tier',
      [r('supporting', 'satisfied'), r('interpretive', 'not_satisfied')],
      'satisfied',
    ],
    [
      'rule 3: interpretive decides alone',
      [r('interpretive', 'not_satisfied'), r('interpretive', 'satisfied')],
      'not_satisfied',
    ],
    ['rule 3: interpretive alone, all passed', [r('interpretive', 'satisfied')], 'satisfied'],
    [
      'rule 3: interpretive decides when stronger tiers are not applicable',
      [r('direct', 'not_applicable'), r('interpretive', 'insufficient_evidence')],
      'insufficient_evidence',
    ],
    [
      'rule 4: nothing applicable',
      [r('direct', 'not_applicable'), r('supporting', 'not_applicable')],
      'not_applicable',
    ],
    ['rule 4: no results at all', [], 'not_applicable'],
  ])('%s', (_rule, results, expected) => {
    expect(rollUpStatus(results)).toBe(expected);
  });
});

describe('evaluateFramework', () => {
  it('returns one evaluation per control, in catalog order, with every test result', () => {
    const catalog: FrameworkCatalog = {
      framework: 'pci-dss',
      name: 'PCI DSS',
      frameworkVersion: '4.0.1',
      catalogVersion: '1.0.0',
      controls: [
        {
          id: '6.5.1',
          title: 'Changes follow a defined change procedure',
          summary: 'x',
          citation: 'PCI DSS v4.0.1 Requirement 6.5.1',
          tests: [
            { test: 'approved_before_deploy', strength: 'direct' },
            { test: 'rollback_plan_evidence', strength: 'direct' },
          ],
        },
        {
          id: '10.5.1',
          title: 'Audit log history kept',
          summary: 'x',
          citation: 'PCI DSS v4.0.1 Requirement 10.5.1',
          tests: [{ test: 'ledger_verifies', strength: 'supporting' }],
        },
      ],
    };
    const unapproved = buildCase({
      asset: asset('srv-web-03'),
      patchId: 'linux-image-amd64@6.1.158-1',
      attempts: [{ at: '2026-10-09T12:00Z', backupAt: '2026-10-09T11:00Z' }],
    });
    const evaluations = evaluateFramework(catalog, inputOf([unapproved]));
    expect(evaluations.map((e) => [e.controlId, e.status, e.results.map((x) => x.status)])).toEqual([
      ['6.5.1', 'not_satisfied', ['not_satisfied', 'satisfied']],
      ['10.5.1', 'satisfied', ['satisfied']],
    ]);
    expect(evaluations[0]).toMatchObject({
      framework: 'pci-dss',
      citation: 'PCI DSS v4.0.1 Requirement 6.5.1',
    });
  });
});
