import { readFileSync } from 'node:fs';

import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import type { RemediationCase } from '../../metrics/remediation-case.js';
import type { EvidencePackContent } from '../pack-content.js';
import type { AttestationWording } from './attestation.js';
import {
  AttestationWordingError,
  buildAttestation,
  loadAttestationWording,
  parseAttestationWording,
  rateText,
} from './attestation.js';

const DAY = 86_400_000;
const LEGACY = [
  {
    hostname: 'legacy-pacs-01',
    os: 'Windows Server 2008 R2',
    compensatingControls: ['Replacement scheduled Q1 2027'],
  },
];

describe('buildAttestation', () => {
  let wording: AttestationWording;
  let content: EvidencePackContent;

  beforeAll(() => {
    wording = loadAttestationWording();
    content = samplePackContent();
  });

  it('answers every underwriting question for the sample pack', () => {
    const att = buildAttestation(content, { wording, legacyAssets: LEGACY });
    expect(att.client).toEqual({ id: 'cl_northwind_dental', name: 'Northwind Dental Group' });
    expect(att.msp).toEqual({ id: 'tn_harbor_it', name: 'Harbor IT Services' });
    expect(att.asOf).toBe(content.asOf);
    expect(att.packId).toBe(content.packId);
    expect(att.attestationId).toMatch(/^att_[0-9a-f]{24}$/);
    expect(att.answers.map((a) => a.id)).toEqual([
      'criticalWithin',
      'highWithin',
      'publication45',
      'kevPastDue',
      'timeToRemediate',
      'backupsBeforeChange',
      'rollbacks',
      'legacyAssets',
      'openExceptions',
    ]);
    expect(att.answers[0].label).toBe(
      'Critical vulnerabilities patched within 14 / 30 / 45 days of vendor release',
    );
    expect(att.statement).toContain('Harbor IT Services attests');
    expect(att.statement).toContain(content.packId);
    expect(att.statement).not.toMatch(/[{}]/);
    for (const a of att.answers) expect(a.answer).not.toMatch(/[{}]/);
  });

  it('lists the KEV item open past its CISA due date, by name', () => {
    const att = buildAttestation(content, { wording, legacyAssets: LEGACY });
    expect(att.kev.open).toBe(1);
    expect(att.kev.openPastDue).toEqual([
      {
        caseKey: content.metrics.breaches.find((b) => b.hostname === 'srv-zürich-01')!.caseKey,
        hostname: 'srv-zürich-01',
        patchId: 'KB5068001',
        cveIds: ['CVE-2026-24990'],
        kevDueAt: Date.parse('2026-10-20T00:00:00Z'),
        // Due all through 20 October; as of 1 November 06:00 that is 11.25 days late, rounded up.
        daysPastDue: 12,
      },
    ]);
    const answer = att.answers.find((a) => a.id === 'kevPastDue')!.answer;
    expect(answer).toBe(
      'KEV items open: 1; past due: 1\nsrv-zürich-01 KB5068001 (CVE-2026-24990): due 2026-10-20, 12 days past due',
    );
  });

  it('takes TTR, backups and rollbacks from the pack metrics, with their fractions', () => {
    const att = buildAttestation(content, { wording, legacyAssets: LEGACY });
    const m = content.metrics;
    expect(att.timeToRemediate.all).toEqual(m.ttrBySeverity.all);
    expect(att.timeToRemediate.clock).toBe('release');
    expect(att.backupsVerifiedBeforeChange).toEqual(m.backupBeforeDeploy);
    expect(att.rollbacks.count).toBe(2);
    const byId = Object.fromEntries(att.answers.map((a) => [a.id, a.answer]));
    const b = m.backupBeforeDeploy;
    expect(byId.backupsBeforeChange).toBe(
      `${((b.numerator / b.denominator) * 100).toFixed(1)}% of deployments (${b.numerator} of ${b.denominator})`,
    );
    expect(byId.rollbacks).toMatch(
      new RegExp(`^2 of ${m.rollbackRate.denominator} deployments \\(\\d+\\.\\d%\\)$`),
    );
    expect(byId.timeToRemediate).toContain(`median ${m.ttrBySeverity.all.median!.toFixed(1)} days`);
  });

  it('counts the risk-accepted legacy item as not remediated, and lists its compensating controls', () => {
    const att = buildAttestation(content, { wording, legacyAssets: LEGACY });
    const exception = content.exceptions[0];
    expect(att.legacyAssets).toEqual([
      {
        hostname: 'legacy-pacs-01',
        os: 'Windows Server 2008 R2',
        compensatingControls: ['Replacement scheduled Q1 2027', ...exception.compensatingControls],
        openItems: 1,
        riskAcceptedUntil: exception.expiresAt,
      },
    ]);
    expect(att.openExceptions).toHaveLength(1);
    expect(att.openExceptions[0]).toMatchObject({
      hostname: 'legacy-pacs-01',
      patchId: 'KB5066872',
      owner: 'Dr. Helen Carter',
    });
    const legacyAnswer = att.answers.find((a) => a.id === 'legacyAssets')!.answer;
    expect(legacyAnswer).toContain(
      'legacy-pacs-01 (Windows Server 2008 R2): Replacement scheduled Q1 2027; Isolated imaging VLAN 40',
    );
    expect(legacyAnswer).toContain('risk accepted until 2027-03-31');

    // Without the exception the excepted critical item would be open anyway: it is 54 days old and counts as missed.
    const d30 = att.remediatedWithin.critical.d30;
    expect(d30.denominator).toBeGreaterThan(d30.numerator);
    expect(att.answers[0].answer).toContain(`30 days: ${rateText(d30)}`);
  });

  it('says the inventory did not report end-of-life assets rather than "none"', () => {
    const att = buildAttestation(content, { wording });
    expect(att.legacyAssets).toBeNull();
    expect(att.answers.find((a) => a.id === 'legacyAssets')!.answer).toBe(
      wording.questions.legacyAssets.notDeclared,
    );
    expect(
      buildAttestation(content, { wording, legacyAssets: [] }).answers.find((a) => a.id === 'legacyAssets')!
        .answer,
    ).toBe('None declared in the asset inventory.');
  });

  it('is deterministic, and a different answer gets a different id', () => {
    const a = buildAttestation(content, { wording, legacyAssets: LEGACY });
    expect(buildAttestation(samplePackContent(), { wording, legacyAssets: LEGACY })).toEqual(a);
    const b = buildAttestation(content, {
      wording,
      legacyAssets: [{ ...LEGACY[0], compensatingControls: [] }],
    });
    expect(b.attestationId).not.toBe(a.attestationId);
  });

  describe('remediated within N days (hand-made cases)', () => {
    const asOf = Date.parse('2026-11-01T00:00:00Z');
    function kase(key: string, over: Partial<RemediationCase>): RemediationCase {
      const base = samplePackContent().cases[0];
      return {
        ...base,
        key,
        hostname: `h-${key}`,
        kev: false,
        exception: undefined,
        closedAt: undefined,
        ...over,
      };
    }
    const crit = { severity: 'critical' as const, basis: 'cvss' as const, detail: 'CVSS 9.8' };
    const high = { severity: 'high' as const, basis: 'cvss' as const, detail: 'CVSS 8.1' };

    it('counts closed items by their TTR and open items once their time is up', () => {
      const c = structuredClone(content);
      c.asOf = asOf;
      c.exceptions = [];
      c.cases = [
        // closed after 10 days
        kase('a', {
          severity: crit,
          releasedAt: asOf - 60 * DAY,
          publishedAt: asOf - 70 * DAY,
          remediatedAt: asOf - 50 * DAY,
          state: 'remediated',
        }),
        // closed after 20 days
        kase('b', {
          severity: crit,
          releasedAt: asOf - 60 * DAY,
          publishedAt: asOf - 61 * DAY,
          remediatedAt: asOf - 40 * DAY,
          state: 'remediated',
        }),
        // open, 40 days old: missed 14 and 30, not yet decided for 45
        kase('c', {
          severity: crit,
          releasedAt: asOf - 40 * DAY,
          remediatedAt: undefined,
          publishedAt: undefined,
          state: 'open',
        }),
        // open, 5 days old: undecided everywhere
        kase('d', {
          severity: crit,
          releasedAt: asOf - 5 * DAY,
          publishedAt: undefined,
          remediatedAt: undefined,
          state: 'open',
        }),
        // closed after the as-of instant: open as of asOf (50 days old)
        kase('e', {
          severity: high,
          releasedAt: asOf - 50 * DAY,
          publishedAt: asOf - 50 * DAY,
          remediatedAt: asOf + DAY,
          state: 'remediated',
        }),
        // no release date: left out and counted
        kase('f', {
          severity: high,
          releasedAt: undefined,
          publishedAt: undefined,
          remediatedAt: asOf - DAY,
          state: 'remediated',
        }),
      ];
      const att = buildAttestation(c, { wording });
      const crW = att.remediatedWithin.critical;
      expect([crW.d14, crW.d30, crW.d45].map((r) => [r.numerator, r.denominator])).toEqual([
        [1, 3],
        [2, 3],
        [2, 2],
      ]);
      expect(crW.withoutClockStart).toBe(0);
      const hiW = att.remediatedWithin.high;
      expect([hiW.d14, hiW.d30, hiW.d45].map((r) => [r.numerator, r.denominator])).toEqual([
        [0, 1],
        [0, 1],
        [0, 1],
      ]);
      expect(hiW.withoutClockStart).toBe(1);
      expect(att.answers[1].answer).toBe(
        '14 days: 0.0% (0 of 1)\n30 days: 0.0% (0 of 1)\n45 days: 0.0% (0 of 1)\n(1 without a vendor release date left out)',
      );
      // From publication: a closed in 20 days, b in 21, e open 50 days (missed); c, d and f have no date.
      expect(att.publication45.criticalAndHigh).toEqual({ numerator: 2, denominator: 3, value: 2 / 3 });
      expect(att.publication45.withoutPublicationDate).toBe(3);
      expect(att.answers[2].answer).toBe('66.7% (2 of 3)\n(3 without a CVE publication date left out)');
    });

    it('says "none" when nothing is in scope instead of a fake 100%', () => {
      const c = structuredClone(content);
      c.cases = [];
      c.exceptions = [];
      const att = buildAttestation(c, { wording, legacyAssets: [] });
      expect(att.remediatedWithin.critical.d30.value).toBeNull();
      const byId = Object.fromEntries(att.answers.map((a) => [a.id, a.answer]));
      expect(byId.criticalWithin).toBe('No critical item in scope.');
      expect(byId.publication45).toBe('No critical or high item has a CVE publication date on record.');
      expect(byId.kevPastDue).toBe('None. 0 KEV items open, none past its CISA due date.');
      expect(byId.openExceptions).toBe('None.');
    });
  });
});

describe('attestation wording', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit arbitrary keys of the JSON
  const raw = (): Record<string, any> =>
    JSON.parse(readFileSync('templates/reports/attestation.json', 'utf8'));

  it('loads the shipped wording', () => {
    expect(() => loadAttestationWording()).not.toThrow();
  });

  it('rejects an unknown placeholder, naming the key and what is allowed', () => {
    const w = raw();
    w.questions.rollbacks.answer = '{count} rollbacks ({ratio})';
    expect(() => parseAttestationWording(w)).toThrow(AttestationWordingError);
    expect(() => parseAttestationWording(w)).toThrow(
      /questions\.rollbacks\.answer: unknown placeholder \{ratio\}.*\{rate\}/,
    );
  });

  it('rejects a missing question and an unknown key', () => {
    const missing = raw();
    delete missing.questions.kevPastDue;
    expect(() => parseAttestationWording(missing)).toThrow(/questions\.kevPastDue/);
    const extra = raw();
    extra.signatur = {};
    expect(() => parseAttestationWording(extra)).toThrow(/unknown key\(s\) signatur/);
  });
});
