import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseAwsSsm } from './aws-ssm.importer.js';

const doc = readFileSync(
  path.resolve('../shared/realdata/rmm/aws-ssm/aws-cli_describe-instance-patches_examples.txt'),
  'utf8',
);

/**
 * The file is the AWS CLI documentation: headings, then the output of each example with "..." where the docs
 * elided patches. The elisions are dropped (the JSON around them stays as printed, a trailing comma included);
 * the instance id comes from each example's command line.
 */
const examples = doc
  .split(/^## /m)
  .slice(1)
  .map((block) => ({
    instance: /--instance-id "([^"]+)"/.exec(block)![1],
    json: block
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '...')
      .join('\n'),
  }));

describe('aws-ssm on the AWS CLI documentation examples', () => {
  it('has the two examples of the docs', () => {
    expect(examples.map((e) => e.instance)).toEqual(['i-1234567890abcdef0', 'i-1234567890abcdef0']);
  });

  it('example 1: Installed and InstalledOther are deploys at InstalledTime; the NextToken is reported', () => {
    const outcome = parseAwsSsm(examples[0].json, { hostname: examples[0].instance });
    expect(outcome.read).toBe(2);
    expect(outcome.events).toEqual([
      {
        kind: 'deployed',
        occurredAt: '2019-01-09T00:00:00.000Z',
        source: 'aws-ssm',
        sourceEventId: 'i-1234567890abcdef0:KB4480979:INSTALLED:2019-01-09T00:00:00.000Z',
        asset: { hostname: 'i-1234567890abcdef0' },
        patch: {
          id: 'KB4480979',
          title:
            '2019-01 Security Update for Adobe Flash Player for Windows Server 2016 for x64-based Systems (KB4480979)',
        },
        vendorSeverity: 'critical',
        raw: expect.objectContaining({ Classification: 'SecurityUpdates', State: 'Installed' }),
      },
      {
        kind: 'deployed',
        occurredAt: '2019-02-08T00:00:00.000Z',
        source: 'aws-ssm',
        sourceEventId: 'i-1234567890abcdef0:KB4481031:INSTALLED_OTHER:2019-02-08T00:00:00.000Z',
        asset: { hostname: 'i-1234567890abcdef0' },
        patch: { id: 'KB4481031' },
        raw: expect.objectContaining({ State: 'InstalledOther' }),
      },
    ]);
    expect(outcome.problems).toEqual([{ line: 20, message: expect.stringContaining('NextToken') }]);
  });

  it('example 2: a Missing patch is detected at the scan time, and is a problem without one', () => {
    const withoutScan = parseAwsSsm(examples[1].json, { hostname: examples[1].instance });
    expect(withoutScan.events).toEqual([]);
    expect(withoutScan.problems.map((p) => [p.line, p.message])).toEqual([
      [12, expect.stringContaining('NextToken')],
      [3, expect.stringContaining('KB890830 is MISSING with no time: pass scannedAt')],
    ]);
    const scanned = parseAwsSsm(examples[1].json, {
      hostname: examples[1].instance,
      scannedAt: '2019-02-12T06:00:00Z',
    });
    expect(scanned.events).toEqual([
      expect.objectContaining({
        kind: 'detected',
        occurredAt: '2019-02-12T06:00:00.000Z',
        patch: {
          id: 'KB890830',
          title: 'Windows Malicious Software Removal Tool x64 - February 2019 (KB890830)',
        },
      }),
    ]);
    expect(scanned.events[0].vendorSeverity).toBeUndefined();
  });

  it('reports the documentation file as a whole: it is not JSON', () => {
    expect(parseAwsSsm(doc, { hostname: 'i-1' }).problems).toEqual([
      { line: 1, message: expect.stringContaining('invalid JSON at line 1') },
    ]);
  });
});

describe('aws-ssm edge cases', () => {
  const page = (patches: unknown[], extra: object = {}) =>
    JSON.stringify({ Patches: patches, ...extra }, null, 2);

  it('takes the instance from InstanceId, reads CLI v2 ISO times and the API enum, skips not-applicable', () => {
    const outcome = parseAwsSsm(
      page(
        [
          {
            KBId: 'KB5034441',
            Severity: 'Important',
            State: 'INSTALLED_PENDING_REBOOT',
            InstalledTime: '2024-01-10T03:00:00+00:00',
          },
          { KBId: 'KB5034439', Severity: 'Moderate', State: 'FAILED', InstalledTime: 0 },
          { KBId: 'KB5034440', Severity: 'Low', State: 'NOT_APPLICABLE' },
          { KBId: 'KB5034442', Severity: 'Critical', State: 'INSTALLED_REJECTED', InstalledTime: 1704855600 },
        ],
        { InstanceId: 'i-0abc' },
      ),
      { scannedAt: '2024-01-11T00:00:00Z' },
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(4);
    expect(
      outcome.events.map((e) => [e.kind, e.patch.id, e.occurredAt, e.vendorSeverity, e.asset.hostname]),
    ).toEqual([
      ['deployment_started', 'KB5034441', '2024-01-10T03:00:00.000Z', 'high', 'i-0abc'],
      ['failed', 'KB5034439', '2024-01-11T00:00:00.000Z', 'medium', 'i-0abc'],
    ]);
  });

  it('reports unusable patches with their line and reads the rest', () => {
    const text = page([
      { KBId: 'KB1', State: 'Installed', InstalledTime: 1704855600 },
      { KBId: 'KB2', State: 'Superseded', InstalledTime: 1704855600 },
      { KBId: 'KB3', State: 'Installed' },
      { KBId: 'KB4', State: 'Installed', Severity: 'Severe', InstalledTime: 1704855600 },
      { KBId: 'KB5', State: 'Installed', InstalledTime: 'yesterday' },
      'KB6',
    ]);
    const outcome = parseAwsSsm(text, { hostname: 'i-1', scannedAt: 'soon' });
    expect(outcome.events.map((e) => e.patch.id)).toEqual(['KB1']);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [8, 'unknown patch State "Superseded"'],
      [13, 'KB3 is INSTALLED but has no InstalledTime'],
      [17, expect.stringContaining('KB4: unknown severity "Severe"')],
      [23, expect.stringContaining('KB5: InstalledTime')],
      [28, 'a patch entry is not an object'],
    ]);
    expect(
      parseAwsSsm(page([{ KBId: 'KB1', State: 'Installed', InstalledTime: 1 }]), {}).problems[0].message,
    ).toContain('pass --hostname');
  });

  it('survives truncated JSON, binary input, deep nesting and a 1 MB line', () => {
    const text = page([{ KBId: 'KB1', State: 'Installed', InstalledTime: 1704855600 }]);
    expect(parseAwsSsm(text.slice(0, 40), { hostname: 'i-1' }).problems).toEqual([
      { line: 4, message: expect.stringContaining('truncated') },
    ]);
    expect(parseAwsSsm('\u0000\u0001', {}).problems[0].message).toContain('binary');
    expect(parseAwsSsm('['.repeat(100_000), {}).problems[0].message).toContain('nested deeper');
    expect(parseAwsSsm(`{"Patches": [], "x": "${'a'.repeat(1 << 20)}`, {}).problems[0].message).toContain(
      'string never closes',
    );
    expect(parseAwsSsm('{"Items": []}', {}).problems).toEqual([
      { line: 1, message: 'not a describe-instance-patches response: no "Patches" array' },
    ]);
  });
});
