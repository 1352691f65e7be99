import { at, DAY, history, HOUR, kevEntry } from '../../test/helpers/ledger-events.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import {
  caseKey,
  closureAt,
  exceptionValidAt,
  foldAll,
  foldRemediationCase,
  isOpenAt,
} from './remediation-case.fold.js';

const NO_FACTS = new Map<string, VulnerabilityFact>();
const LATER = at('2027-06-01');

function fold(events: LedgerEvent[], asOf = LATER, facts = NO_FACTS) {
  return foldRemediationCase(events, facts, asOf, 'srv-db-01');
}

const exception = {
  reason: 'legacy LIS server cannot take the update',
  compensatingControls: ['VLAN isolation'],
  owner: 'it-ops',
  approver: 'ciso',
  expiresAt: '2026-12-31T00:00:00Z',
};

describe('caseKey', () => {
  it('is readable for ordinary ids and unambiguous when ids contain the separator', () => {
    expect(caseKey('cl-1', 'as-9', 'KB5034441')).toBe('cl-1:as-9:KB5034441');
    expect(caseKey('a:b', 'c', 'd')).not.toBe(caseKey('a', 'b:c', 'd'));
    expect(caseKey('a%3Ab', 'c', 'd')).not.toBe(caseKey('a:b', 'c', 'd'));
  });
});

describe('foldRemediationCase', () => {
  it('folds a clean change: approval, backup and verification attached to the deploy that remediated', () => {
    const e = history();
    const c = fold([
      e('detected', at('2026-10-01T08:00:00Z'), {
        patchReleasedAt: at('2026-09-10'),
        vendorSeverity: 'high',
      }),
      e('approved', at('2026-10-02T09:00:00Z'), { actor: 'alice', changeTicket: 'CHG-1' }),
      e('backup_verified', at('2026-10-03T01:00:00Z')),
      e('deployment_started', at('2026-10-03T02:00:00Z'), { actor: 'svc-ninja' }),
      e('deployed', at('2026-10-03T02:20:00Z'), { actor: 'svc-ninja', ring: 'production' }),
      e('verified', at('2026-10-03T03:00:00Z')),
    ]);
    expect(c).toMatchObject({
      key: 'cl-1:as-1:KB5034441',
      hostname: 'srv-db-01',
      state: 'remediated',
      releasedAt: at('2026-09-10'),
      detectedAt: at('2026-10-01T08:00:00Z'),
      approvedAt: at('2026-10-02T09:00:00Z'),
      approver: 'alice',
      remediatedAt: at('2026-10-03T02:20:00Z'),
      closedAt: at('2026-10-03T02:20:00Z'),
      verifiedAt: at('2026-10-03T03:00:00Z'),
      vendorSeverity: 'high',
      severity: { severity: 'high', basis: 'vendor' },
    });
    expect(c.attempts).toEqual([
      {
        eventId: expect.any(String),
        startedAt: at('2026-10-03T02:00:00Z'),
        at: at('2026-10-03T02:20:00Z'),
        outcome: 'deployed',
        actor: 'svc-ninja',
        ring: 'production',
        approvedAt: at('2026-10-02T09:00:00Z'),
        approver: 'alice',
        backupVerifiedAt: at('2026-10-03T01:00:00Z'),
        verifiedAt: at('2026-10-03T03:00:00Z'),
      },
    ]);
    expect(c.eventIds).toHaveLength(6);
  });

  it('reopens on a rollback and closes again on the next deploy: remediatedAt is the deploy that stuck', () => {
    const e = history();
    const events = [
      e('detected', at('2026-10-01')),
      e('deployed', at('2026-10-05')),
      e('rolled_back', at('2026-10-06'), { actor: 'svc-ninja' }),
    ];
    const reopened = fold(events);
    expect(reopened.state).toBe('reopened');
    expect(reopened.remediatedAt).toBeUndefined();
    expect(reopened.closedAt).toBeUndefined();
    expect(reopened.rollbacks).toEqual([at('2026-10-06')]);
    expect(reopened.attempts[0].rolledBackAt).toBe(at('2026-10-06'));
    expect(reopened.reopenedIntervals).toEqual([{ from: at('2026-10-06') }]);

    const fixed = fold([...events, e('deployed', at('2026-10-20'))]);
    expect(fixed.state).toBe('remediated');
    expect(fixed.remediatedAt).toBe(at('2026-10-20'));
    expect(fixed.firstDeployedAt).toBe(at('2026-10-05'));
    expect(fixed.reopenedIntervals).toEqual([{ from: at('2026-10-06'), to: at('2026-10-20') }]);
    // The timeline answers "what was true then" without re-folding.
    expect(closureAt(fixed, at('2026-10-05T12:00:00Z'))).toBe(at('2026-10-05'));
    expect(closureAt(fixed, at('2026-10-10'))).toBeUndefined();
    expect(isOpenAt(fixed, at('2026-10-10'))).toBe(true);
    expect(closureAt(fixed, at('2026-10-25'))).toBe(at('2026-10-20'));
    expect(isOpenAt(fixed, at('2026-09-30'))).toBe(false);
  });

  it('gives the same case when the rollback arrives before its deploy', () => {
    const e = history();
    const detected = e('detected', at('2026-10-01'));
    const deployed = e('deployed', at('2026-10-05'), { receivedAt: at('2026-10-09') });
    const rolledBack = e('rolled_back', at('2026-10-06'), { receivedAt: at('2026-10-07') });
    expect(fold([detected, rolledBack, deployed])).toEqual(fold([detected, deployed, rolledBack]));
    expect(fold([rolledBack, deployed, detected]).lastReceivedAt).toBe(at('2026-10-09'));
    expect(fold([rolledBack, deployed, detected]).state).toBe('reopened');
  });

  it('reads a deploy and a rollback stamped in the same second as installed then removed', () => {
    const e = history();
    const t = at('2026-10-05T10:00:00Z');
    const rolledBack = e('rolled_back', t);
    const deployed = e('deployed', t);
    expect(fold([rolledBack, deployed]).state).toBe('reopened');
    expect(fold([deployed, rolledBack]).state).toBe('reopened');
  });

  it('ignores a rollback when nothing was installed', () => {
    const e = history();
    const c = fold([e('detected', at('2026-10-01')), e('rolled_back', at('2026-10-02'))]);
    expect(c.state).toBe('open');
    expect(c.rollbacks).toEqual([]);
    expect(c.eventIds).toHaveLength(2);
  });

  it('keeps the first deploy as remediatedAt when the patch is reinstalled', () => {
    const e = history();
    const c = fold([e('deployed', at('2026-10-05')), e('deployed', at('2026-10-07'))]);
    expect(c.remediatedAt).toBe(at('2026-10-05'));
    expect(c.attempts).toHaveLength(2);
  });

  it('closes an open item at the superseded event, for good', () => {
    const e = history();
    const events = [
      e('detected', at('2026-10-01')),
      e('superseded', at('2026-10-12'), { supersededBy: 'KB5035845' }),
    ];
    const c = fold(events);
    expect(c).toMatchObject({
      state: 'superseded_remediated',
      supersededAt: at('2026-10-12'),
      supersededBy: 'KB5035845',
      closedAt: at('2026-10-12'),
    });
    expect(c.remediatedAt).toBeUndefined();
    // Installing and removing the old patch afterwards changes nothing: the superseding one covers the CVEs.
    const later = fold([...events, e('deployed', at('2026-10-14')), e('rolled_back', at('2026-10-15'))]);
    expect(later.state).toBe('superseded_remediated');
    expect(later.closedAt).toBe(at('2026-10-12'));
  });

  it('closes a reopened item at its supersession', () => {
    const e = history();
    const c = fold([
      e('deployed', at('2026-10-05')),
      e('rolled_back', at('2026-10-06')),
      e('superseded', at('2026-10-09'), { supersededBy: 'KB5035845' }),
    ]);
    expect(c.state).toBe('superseded_remediated');
    expect(c.reopenedIntervals).toEqual([{ from: at('2026-10-06'), to: at('2026-10-09') }]);
    expect(closureAt(c, at('2026-10-07'))).toBeUndefined();
    expect(closureAt(c, at('2026-10-10'))).toBe(at('2026-10-09'));
  });

  it('stays closed when a patch superseded while installed is then removed', () => {
    const e = history();
    const c = fold([
      e('deployed', at('2026-10-05')),
      e('superseded', at('2026-10-09'), { supersededBy: 'KB5035845' }),
      e('rolled_back', at('2026-10-10')),
    ]);
    expect(c.state).toBe('superseded_remediated');
    expect(c.closedAt).toBe(at('2026-10-05'));
    expect(c.attempts[0].rolledBackAt).toBe(at('2026-10-10'));
    expect(c.reopenedIntervals).toEqual([]);
  });

  describe('exceptions', () => {
    const e = history();
    const detected = e('detected', at('2026-10-01'));
    const granted = e('exception_granted', at('2026-10-10'), { exception });

    it('marks an open item excepted while the exception is valid at asOf', () => {
      const c = fold([detected, granted], at('2026-11-01'));
      expect(c.state).toBe('excepted');
      expect(c.exception).toMatchObject({ ...exception, grantedAt: at('2026-10-10'), eventId: granted.id });
    });

    it('reopens the item once expiresAt has passed', () => {
      expect(fold([detected, granted], at('2027-01-02')).state).toBe('open');
    });

    it('ends the exception at an exception_expired event before asOf', () => {
      const expired = e('exception_expired', at('2026-10-20'));
      const c = fold([detected, granted, expired], at('2026-11-01'));
      expect(c.state).toBe('open');
      expect(c.exception?.endedAt).toBe(at('2026-10-20'));
      expect(exceptionValidAt(c, at('2026-10-15'))).toBe(true);
      expect(exceptionValidAt(c, at('2026-10-20'))).toBe(false);
      // Seen as of before the expiry event happened, the exception still holds.
      expect(fold([detected, granted, expired], at('2026-10-19')).state).toBe('excepted');
    });

    it('lets remediation win over an exception', () => {
      expect(fold([detected, granted, e('deployed', at('2026-10-15'))], at('2026-11-01')).state).toBe(
        'remediated',
      );
    });

    it('covers a rolled-back item too', () => {
      const c = fold(
        [detected, e('deployed', at('2026-10-03')), e('rolled_back', at('2026-10-04')), granted],
        at('2026-11-01'),
      );
      expect(c.state).toBe('excepted');
    });
  });

  it('sees only events received and occurred by asOf', () => {
    const e = history();
    const asOf = at('2026-11-01');
    const detected = e('detected', at('2026-10-01'));
    const deployedLate = e('deployed', at('2026-10-20'), { receivedAt: at('2026-11-03') });
    const future = e('deployed', at('2026-11-05'));
    const c = fold([detected, deployedLate, future], asOf);
    expect(c.state).toBe('open');
    expect(c.eventIds).toEqual([detected.id]);
    expect(c.lastReceivedAt).toBe(detected.receivedAt);
    expect(fold([detected, deployedLate, future], at('2026-11-04')).remediatedAt).toBe(at('2026-10-20'));
  });

  it('refuses a case with no event visible at asOf, and events of another case', () => {
    const e = history();
    expect(() => fold([e('detected', at('2026-12-01'))], at('2026-11-01'))).toThrow(/visible/);
    const other = history({ patchId: 'KB1' });
    expect(() => fold([e('detected', at('2026-10-01')), other('deployed', at('2026-10-02'))])).toThrow(
      /belongs to case/,
    );
  });

  it('records a retro-approval for an emergency change approved after it ran', () => {
    const e = history();
    const c = fold([
      e('detected', at('2026-10-01')),
      e('deployed', at('2026-10-02T03:00:00Z'), { emergency: true, actor: 'bob' }),
      e('approved', at('2026-10-03T15:00:00Z'), { actor: 'carol' }),
    ]);
    expect(c.attempts[0]).toMatchObject({
      emergency: true,
      retroApprovedAt: at('2026-10-03T15:00:00Z'),
      retroApprover: 'carol',
    });
    expect(c.attempts[0].approvedAt).toBeUndefined();
    expect(c.approvedAt).toBe(at('2026-10-03T15:00:00Z'));
  });

  it('pairs each start with its outcome and lets one approval cover the retries', () => {
    const e = history();
    const c = fold([
      e('approved', at('2026-10-01T08:00:00Z'), { actor: 'alice' }),
      e('deployment_started', at('2026-10-02T02:00:00Z')),
      e('failed', at('2026-10-02T02:10:00Z'), { errorCode: '0x80248007' }),
      e('deployment_started', at('2026-10-03T02:00:00Z')),
      e('deployed', at('2026-10-03T02:15:00Z')),
    ]);
    expect(c.attempts.map((a) => [a.outcome, a.startedAt, a.errorCode, a.approver])).toEqual([
      ['failed', at('2026-10-02T02:00:00Z'), '0x80248007', 'alice'],
      ['deployed', at('2026-10-03T02:00:00Z'), undefined, 'alice'],
    ]);
    expect(c.remediatedAt).toBe(at('2026-10-03T02:15:00Z'));
  });

  it('folds a resent source record once', () => {
    const e = history();
    const deployed = e('deployed', at('2026-10-03'));
    const resent = { ...deployed, id: 'ev-resent', receivedAt: deployed.receivedAt + HOUR };
    const c = fold([e('detected', at('2026-10-01')), deployed, resent]);
    expect(c.attempts).toHaveLength(1);
    expect(c.eventIds).not.toContain('ev-resent');
  });

  it('takes KEV, CVSS and publication facts for the case CVEs, ignoring KEV entries added after asOf', () => {
    const e = history({ cveIds: ['CVE-2024-1086', 'CVE-2025-21420'] });
    const facts = new Map<string, VulnerabilityFact>([
      [
        'CVE-2024-1086',
        {
          cveId: 'CVE-2024-1086',
          publishedAt: at('2024-01-31T13:15:00Z'),
          cvss: [],
          kev: kevEntry('CVE-2024-1086', '2024-05-30', '2024-06-20'),
        },
      ],
      [
        'CVE-2025-21420',
        {
          cveId: 'CVE-2025-21420',
          publishedAt: at('2025-02-11T18:15:00Z'),
          cvss: [
            {
              version: '3.1',
              vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
              baseScore: 7.8,
              baseSeverity: 'high',
              source: 'secure@microsoft.com',
              type: 'Secondary',
            },
          ],
        },
      ],
    ]);
    const events = [e('detected', at('2024-03-01'))];
    const c = foldRemediationCase(events, facts, at('2024-07-01'), 'lnx-web-01');
    expect(c).toMatchObject({
      kev: true,
      kevAddedAt: at('2024-05-30'),
      kevDueAt: at('2024-06-20T23:59:59.999Z'),
      publishedAt: at('2024-01-31T13:15:00Z'),
      severity: { severity: 'critical', basis: 'kev' },
      cveIds: ['CVE-2024-1086', 'CVE-2025-21420'],
    });
    const before = foldRemediationCase(events, facts, at('2024-05-01'), 'lnx-web-01');
    expect(before.kev).toBe(false);
    expect(before.kevDueAt).toBeUndefined();
    expect(before.severity).toMatchObject({ severity: 'high', basis: 'cvss' });
  });

  it('keeps the earliest release date any source gives and unions the CVEs', () => {
    const e = history();
    const c = fold([
      e('detected', at('2026-10-01'), { patchReleasedAt: at('2026-09-12'), cveIds: ['CVE-2'] }),
      e('deployed', at('2026-10-03'), { patchReleasedAt: at('2026-09-10'), cveIds: ['CVE-1', 'CVE-2'] }),
    ]);
    expect(c.releasedAt).toBe(at('2026-09-10'));
    expect(c.cveIds).toEqual(['CVE-1', 'CVE-2']);
  });
});

describe('foldAll', () => {
  it('groups by (client, asset, patch), names assets, orders by key and skips cases not yet visible', () => {
    const a = history({ assetId: 'as-2', patchId: 'KB2' });
    const b = history({ assetId: 'as-1', patchId: 'KB1' });
    const c = history({ assetId: 'as-3', patchId: 'KB3' });
    const cases = foldAll(
      [
        a('detected', at('2026-10-01')),
        b('detected', at('2026-10-02')),
        a('deployed', at('2026-10-03')),
        c('detected', at('2026-12-01')),
      ],
      NO_FACTS,
      at('2026-11-01'),
      new Map([['as-1', 'srv-app-01']]),
    );
    expect(cases.map((x) => [x.key, x.hostname, x.state])).toEqual([
      ['cl-1:as-1:KB1', 'srv-app-01', 'open'],
      ['cl-1:as-2:KB2', 'as-2', 'remediated'],
    ]);
  });

  it('is what folding each case alone gives', () => {
    const a = history({ patchId: 'KB1' });
    const b = history({ patchId: 'KB2' });
    const eventsA = [a('detected', at('2026-10-01')), a('deployed', at('2026-10-04'))];
    const eventsB = [b('detected', at('2026-10-01') + DAY)];
    const all = foldAll([...eventsB, ...eventsA], NO_FACTS, LATER, new Map([['as-1', 'srv-db-01']]));
    expect(all).toEqual([fold(eventsA), fold(eventsB)]);
  });
});
