import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseGetHotFix } from './get-hotfix.importer.js';

const table = readFileSync(
  path.resolve('../shared/realdata/windows/Get-HotFix_PowerShell-Docs_example1.txt'),
  'utf8',
);

describe('get-hotfix on the PowerShell docs example', () => {
  it('gives one deploy per hotfix at local midnight on the Source host, by InstalledBy', () => {
    const outcome = parseGetHotFix(table, { timeZone: 'America/Los_Angeles' });
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(5);
    expect(outcome.events.map((e) => [e.patch.id, e.patch.title, e.occurredAt])).toEqual([
      ['KB4495590', 'Update', '2019-05-16T07:00:00.000Z'],
      ['KB4470788', 'Security Update', '2019-01-22T08:00:00.000Z'],
      ['KB4480056', 'Update', '2019-01-24T08:00:00.000Z'],
    ]);
    expect(outcome.events[1]).toEqual({
      kind: 'deployed',
      occurredAt: '2019-01-22T08:00:00.000Z',
      source: 'get-hotfix',
      sourceEventId: 'Server01:KB4470788',
      asset: { hostname: 'Server01' },
      patch: { id: 'KB4470788', vendor: 'Microsoft', title: 'Security Update' },
      actor: 'NT AUTHORITY\\SYSTEM',
      raw: 'Server01       Security Update  KB4470788     NT AUTHORITY\\SYSTEM  1/22/2019 00:00:00',
    });
  });

  it('needs the zone: a date without one is no instant', () => {
    const outcome = parseGetHotFix(table, {});
    expect(outcome.events).toEqual([]);
    expect(outcome.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(outcome.problems[0].message).toContain('no time zone');
  });
});

describe('get-hotfix edge cases', () => {
  it('uses --hostname without a Source column, skips the prompt, reports rows it cannot use', () => {
    const text = [
      'PS C:\\> Get-HotFix | Format-Table HotFixID,Description,InstalledOn',
      '',
      'HotFixID  Description      InstalledOn',
      '--------  -----------      -----------',
      'KB5034441 Security Update  2024-01-09',
      'KB5034123 Update',
      'KB5031000 Update           13/25/2023',
      'KB5030000 Update           10/10/2023 3:15:00 PM',
    ].join('\r\n');
    const outcome = parseGetHotFix(text, { timeZone: 'Europe/London', hostname: 'ws-17' });
    expect(outcome.events.map((e) => [e.asset.hostname, e.patch.id, e.occurredAt, e.actor])).toEqual([
      ['ws-17', 'KB5034441', '2024-01-09T00:00:00.000Z', undefined],
      ['ws-17', 'KB5030000', '2023-10-10T14:15:00.000Z', undefined],
    ]);
    expect(outcome.problems).toEqual([
      { line: 6, message: 'KB5034123 has no InstalledOn date' },
      { line: 7, message: expect.stringContaining('InstalledOn "13/25/2023" is not M/d/yyyy') },
    ]);
    const noHost = parseGetHotFix(text, { timeZone: 'Europe/London' });
    expect(noHost.problems[0].message).toContain('no hostname');
  });

  it('survives binary input, text without a table and a 1 MB line', () => {
    expect(parseGetHotFix('\u0000M\u0000Z', {}).problems[0].message).toContain('binary');
    expect(parseGetHotFix('Get-HotFix : Access is denied\n', {}).problems).toEqual([
      { line: 1, message: expect.stringContaining('no Get-HotFix table') },
    ]);
    const giant = parseGetHotFix(`${table}${'x'.repeat(1 << 20)}\n`, { timeZone: 'UTC' });
    expect(giant.events).toHaveLength(3);
    expect(giant.problems).toEqual([{ line: 6, message: expect.stringContaining('characters long') }]);
  });
});
