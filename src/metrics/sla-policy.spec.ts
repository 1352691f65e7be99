import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { at, remediationCase } from '../../test/helpers/ledger-events.js';
import {
  addDays,
  dueDate,
  loadPolicyTemplates,
  parseSlaPolicy,
  policyDigest,
  PolicyTemplateError,
  policyVersionFor,
} from './sla-policy.js';
import type { SlaPolicy, SlaPolicyVersion } from './sla-policy.types.js';

const TEMPLATES = join(process.cwd(), 'templates/policies');

function version(over: Partial<SlaPolicyVersion> = {}): SlaPolicyVersion {
  return {
    key: 'test-policy',
    name: 'Test policy',
    version: 1,
    effectiveFrom: '2024-01-01',
    clock: 'detection',
    dayKind: 'calendar',
    days: { critical: 30, high: 30, medium: 90, low: 180 },
    kevDueDateWins: true,
    description: 'for tests',
    source: 'none',
    ...over,
  };
}

function policyOf(key: string): SlaPolicy {
  const policy = loadPolicyTemplates(TEMPLATES).find((p) => p.key === key);
  if (policy === undefined) throw new Error(`no template ${key}`);
  return policy;
}

describe('loadPolicyTemplates', () => {
  it('loads the five shipped templates with every version', () => {
    const policies = loadPolicyTemplates(TEMPLATES);
    expect(policies.map((p) => p.key)).toEqual([
      'cisa-kev',
      'fedramp-ra-5d',
      'hipaa-proposed-2025',
      'insurer-30-day',
      'pci-dss-6.3.3',
    ]);
    for (const p of policies) for (const v of p.versions) expect(v.key).toBe(p.key);
    const pci = policyOf('pci-dss-6.3.3');
    expect(pci.versions.map((v) => [v.version, v.effectiveFrom, v.days.high])).toEqual([
      [1, '2022-03-31', 30],
      [2, '2024-06-11', 90],
    ]);
    expect(policyOf('hipaa-proposed-2025').versions[0]).toMatchObject({
      clock: 'detection',
      days: { critical: 15, high: 30 },
    });
    expect(policyOf('insurer-30-day').versions[0].clock).toBe('publication');
    expect(policyOf('cisa-kev').versions[0]).toMatchObject({ clock: 'kev_added', days: {} });
    expect(policyOf('fedramp-ra-5d').versions[0].days).toEqual({
      critical: 30,
      high: 30,
      medium: 90,
      low: 180,
    });
  });

  describe('names the file and the field that is wrong', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'policies-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const good = {
      key: 'my-policy',
      versions: [
        {
          version: 1,
          name: 'Mine',
          effectiveFrom: '2025-01-01',
          clock: 'detection',
          dayKind: 'business',
          days: { critical: 10 },
          kevDueDateWins: true,
          description: 'x',
          source: 'y',
        },
      ],
    };

    function load(content: unknown, name = 'my-policy.json'): () => unknown {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
      return () => loadPolicyTemplates(dir);
    }

    it('accepts a well-formed file', () => {
      expect(load(good)()).toEqual([
        { key: 'my-policy', versions: [{ ...good.versions[0], key: 'my-policy' }] },
      ]);
    });

    it.each<[string, unknown, RegExp]>([
      [
        'a negative day count',
        { ...good, versions: [{ ...good.versions[0], days: { critical: -3 } }] },
        /versions\[0\]\.days\.critical must be a positive integer \(got -3\)/,
      ],
      [
        'an unknown severity',
        { ...good, versions: [{ ...good.versions[0], days: { urgent: 3 } }] },
        /versions\[0\]\.days\.urgent is not a severity/,
      ],
      [
        'an unknown clock',
        { ...good, versions: [{ ...good.versions[0], clock: 'install' }] },
        /versions\[0\]\.clock must be one of release, publication, detection, kev_added/,
      ],
      [
        'a misspelt field',
        { ...good, versions: [{ ...good.versions[0], dayKnd: 'calendar' }] },
        /versions\[0\]\.dayKnd is not a known field/,
      ],
      [
        'an impossible date',
        { ...good, versions: [{ ...good.versions[0], effectiveFrom: '2025-02-30' }] },
        /versions\[0\]\.effectiveFrom must be a date YYYY-MM-DD/,
      ],
      [
        'a missing kevDueDateWins',
        { ...good, versions: [{ ...good.versions[0], kevDueDateWins: undefined }] },
        /versions\[0\]\.kevDueDateWins must be true or false/,
      ],
      ['no versions', { key: 'my-policy', versions: [] }, /: versions must be a non-empty array/],
      [
        'versions out of order',
        {
          ...good,
          versions: [good.versions[0], { ...good.versions[0], version: 2, effectiveFrom: '2024-01-01' }],
        },
        /versions\[1\]\.effectiveFrom must be later/,
      ],
    ])('rejects %s', (_what, content, message) => {
      const run = load(content);
      expect(run).toThrow(PolicyTemplateError);
      expect(run).toThrow(message);
      expect(run).toThrow(/my-policy\.json: /);
    });

    it('rejects a key that does not match the file name', () => {
      expect(load(good, 'other.json')).toThrow(
        /other\.json: key "my-policy" must match the file name other\.json/,
      );
    });

    it('rejects a file that is not JSON', () => {
      expect(load('{ "key": ', 'my-policy.json')).toThrow(/my-policy\.json: \(file\) is not valid JSON/);
    });
  });
});

describe('policyVersionFor', () => {
  const pci = (): SlaPolicy => policyOf('pci-dss-6.3.3');

  it('applies a new version to items detected from its effective date, never before', () => {
    expect(policyVersionFor(pci(), at('2024-06-10T23:59:59Z')).version).toBe(1);
    expect(policyVersionFor(pci(), at('2024-06-11')).version).toBe(2);
    expect(policyVersionFor(pci(), at('2026-10-01')).version).toBe(2);
  });

  it('uses the first version for items detected before it and for items with no detection time', () => {
    expect(policyVersionFor(pci(), at('2020-01-01')).version).toBe(1);
    expect(policyVersionFor(pci(), undefined).version).toBe(1);
  });

  it('does not depend on the order versions are listed in', () => {
    const p = pci();
    expect(policyVersionFor({ ...p, versions: [...p.versions].reverse() }, at('2025-01-01')).version).toBe(2);
  });
});

describe('addDays', () => {
  it('skips Saturdays and Sundays for business days', () => {
    const friday = at('2026-10-02T10:00:00Z');
    const saturday = at('2026-10-03T10:00:00Z');
    expect(addDays(friday, 1, 'business')).toBe(at('2026-10-05T10:00:00Z'));
    expect(addDays(saturday, 1, 'business')).toBe(at('2026-10-05T10:00:00Z'));
    expect(addDays(at('2026-10-01'), 10, 'business')).toBe(at('2026-10-15'));
    expect(addDays(at('2026-10-01'), 10, 'calendar')).toBe(at('2026-10-11'));
  });
});

describe('dueDate', () => {
  const detected = at('2026-10-01T14:30:00Z');

  it.each<[SlaPolicyVersion['clock'], Parameters<typeof remediationCase>[0], string]>([
    ['release', { releasedAt: at('2026-09-08') }, '2026-10-08T23:59:59.999Z'],
    ['publication', { publishedAt: at('2026-09-15T18:15:00Z') }, '2026-10-15T23:59:59.999Z'],
    ['detection', { detectedAt: detected }, '2026-10-31T23:59:59.999Z'],
    ['kev_added', { kev: true, kevAddedAt: at('2026-09-20') }, '2026-10-20T23:59:59.999Z'],
  ])('counts 30 days from the %s date, to the end of that UTC day', (clock, fields, expected) => {
    const due = dueDate(remediationCase(fields), version({ clock, kevDueDateWins: false }));
    expect(new Date(due.dueAt ?? 0).toISOString()).toBe(expected);
  });

  it.each<[SlaPolicyVersion['clock'], string]>([
    ['release', 'no release date'],
    ['publication', 'no CVE publication date'],
    ['detection', 'no detection date'],
    ['kev_added', 'not a KEV item'],
  ])('gives no deadline without the %s timestamp, and says why', (clock, why) => {
    expect(dueDate(remediationCase(), version({ clock }))).toEqual({
      basis: `policy test-policy v1: ${why}`,
    });
  });

  it('states the policy, version and clock in the basis', () => {
    const c = remediationCase({ detectedAt: detected });
    expect(dueDate(c, version()).basis).toBe('policy test-policy v1 (detection + 30d)');
    expect(dueDate(c, version({ dayKind: 'business', days: { critical: 10 } }))).toEqual({
      dueAt: at('2026-10-15T23:59:59.999Z'),
      basis: 'policy test-policy v1 (detection + 10 business days)',
    });
  });

  it('has no deadline for a severity the policy leaves out', () => {
    const c = remediationCase({
      detectedAt: detected,
      severity: { severity: 'low', basis: 'vendor', detail: 'vendor: low' },
    });
    expect(dueDate(c, version({ days: { critical: 15, high: 30 } }))).toEqual({
      basis: 'policy test-policy v1: no deadline for low',
    });
  });

  describe('KEV items', () => {
    const kevCase = (kevDueAt: number) =>
      remediationCase({ detectedAt: detected, kev: true, kevAddedAt: at('2026-09-25'), kevDueAt });

    it('take the catalog dueDate when it is earlier', () => {
      expect(dueDate(kevCase(at('2026-10-16T23:59:59.999Z')), version())).toEqual({
        dueAt: at('2026-10-16T23:59:59.999Z'),
        basis: 'KEV dueDate 2026-10-16',
      });
    });

    it('keep the policy deadline when the catalog one is later', () => {
      expect(dueDate(kevCase(at('2026-11-20T23:59:59.999Z')), version()).basis).toBe(
        'policy test-policy v1 (detection + 30d)',
      );
    });

    it('keep the policy deadline when the policy does not let KEV win', () => {
      expect(dueDate(kevCase(at('2026-10-16T23:59:59.999Z')), version({ kevDueDateWins: false })).dueAt).toBe(
        at('2026-10-31T23:59:59.999Z'),
      );
    });

    it('take the catalog dueDate under the CISA KEV template, which has no days of its own', () => {
      const kev = policyOf('cisa-kev').versions[0];
      expect(dueDate(kevCase(at('2026-10-16T23:59:59.999Z')), kev)).toEqual({
        dueAt: at('2026-10-16T23:59:59.999Z'),
        basis: 'KEV dueDate 2026-10-16',
      });
      expect(dueDate(remediationCase({ detectedAt: detected }), kev)).toEqual({
        basis: 'policy cisa-kev v1: not a KEV item',
      });
    });

    it('take the catalog dueDate when the policy anchor is missing', () => {
      const c = { ...kevCase(at('2026-10-16T23:59:59.999Z')), releasedAt: undefined };
      expect(dueDate(c, version({ clock: 'release' })).basis).toBe('KEV dueDate 2026-10-16');
    });
  });
});

describe('policyDigest', () => {
  it('is the SHA-256 of the RFC 8785 canonical JSON, whatever the key order', () => {
    const v = version();
    const reordered = Object.fromEntries(Object.entries(v).reverse()) as unknown as SlaPolicyVersion;
    const canonical =
      '{"clock":"detection","dayKind":"calendar","days":{"critical":30,"high":30,"low":180,"medium":90},' +
      '"description":"for tests","effectiveFrom":"2024-01-01","kevDueDateWins":true,"key":"test-policy",' +
      '"name":"Test policy","source":"none","version":1}';
    expect(policyDigest(v)).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(policyDigest(reordered)).toBe(policyDigest(v));
    expect(policyDigest(version({ days: { critical: 31, high: 30, medium: 90, low: 180 } }))).not.toBe(
      policyDigest(v),
    );
  });
});

describe('templates', () => {
  it('parse as they are committed (parseSlaPolicy is what custom policy rows go through too)', () => {
    expect(() => parseSlaPolicy({ key: 'x', versions: 'none' }, 'row 7')).toThrow(
      'row 7: versions must be a non-empty array',
    );
  });
});
