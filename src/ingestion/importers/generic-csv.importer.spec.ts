import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseGenericCsv, type GenericCsvOptions } from './generic-csv.importer.js';

const exportCsv = readFileSync(path.resolve('test/fixtures/importers/generic-rmm-export.csv'), 'utf8');
const options: GenericCsvOptions = {
  timeZone: 'America/New_York',
  source: 'ninjaone',
  mapping: {
    hostname: 'Device',
    patchTitle: 'Patch',
    patchId: 'KB',
    kind: 'Status',
    occurredAt: 'Installed On',
    vendorSeverity: 'Severity',
    cveIds: 'CVEs',
    actor: 'Technician',
    changeTicket: 'Ticket',
    errorCode: 'Result Code',
  },
  kindValues: {
    Installed: 'deployed',
    Failed: 'failed',
    'Pending Reboot': 'deployment_started',
    Uninstalled: 'rolled_back',
    Approved: 'approved',
  },
};

describe('generic-csv on an RMM patch report', () => {
  const outcome = parseGenericCsv(exportCsv, options);

  it('maps every row through the column mapping and the export’s own status words', () => {
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(8);
    expect(
      outcome.events.map((e) => [e.asset.hostname, e.kind, e.patch.id, e.occurredAt, e.vendorSeverity]),
    ).toEqual([
      ['FIN-WS-014', 'deployed', 'KB5037771', '2024-05-15T06:14:00.000Z', 'critical'],
      ['FIN-WS-015', 'failed', 'KB5037771', '2024-05-15T06:16:00.000Z', 'critical'],
      ['FIN-WS-015', 'deployed', 'KB5037771', '2024-05-16T06:10:00.000Z', 'critical'],
      ['FIN-WS-022', 'deployment_started', 'KB5037771', '2024-05-15T06:20:00.000Z', 'critical'],
      ['FIN-SQL-01', 'approved', 'KB5029377', '2024-05-14T20:00:00.000Z', 'high'],
      ['FIN-SQL-01', 'deployed', 'KB5029377', '2024-05-19T03:30:00.000Z', 'high'],
      ['FIN-WS-014', 'deployed', 'Edge-124.0.2478.97', '2024-05-10T09:00:00.000Z', 'medium'],
      ['FIN-WS-022', 'rolled_back', 'KB5037771', '2024-05-20T12:05:00.000Z', 'critical'],
    ]);
  });

  it('keeps CVEs, actor, ticket, error code, quoted titles and the row', () => {
    expect(outcome.events[1]).toEqual({
      kind: 'failed',
      occurredAt: '2024-05-15T06:16:00.000Z',
      source: 'ninjaone',
      sourceEventId: expect.stringMatching(/^csv:[0-9a-f]{32}$/),
      asset: { hostname: 'FIN-WS-015' },
      patch: {
        id: 'KB5037771',
        title: '2024-05 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5037771)',
      },
      cveIds: ['CVE-2024-30051', 'CVE-2024-30040'],
      vendorSeverity: 'critical',
      actor: 'SYSTEM',
      changeTicket: 'CHG-1042',
      errorCode: '0x800f0922',
      raw: expect.objectContaining({ Device: 'FIN-WS-015', 'Result Code': '0x800f0922' }),
    });
    expect(outcome.events[6].patch.title).toBe('Microsoft Edge "Stable" channel, version 124.0.2478.97');
    expect(outcome.events[4].actor).toBe('Dana Whitfield');
    expect(outcome.events[6].cveIds).toBeUndefined();
  });

  it('derives stable, distinct ids from the mapped values', () => {
    const ids = outcome.events.map((e) => e.sourceEventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parseGenericCsv(exportCsv, options).events.map((e) => e.sourceEventId)).toEqual(ids);
    const withExtraColumn = exportCsv
      .replace(/\r\n/g, ',x\r\n')
      .replace('Result Code,x', 'Result Code,Notes');
    expect(parseGenericCsv(withExtraColumn, options).events.map((e) => e.sourceEventId)).toEqual(ids);
  });

  it('reads a CSV in our own vocabulary without a mapping, with ; as separator', () => {
    const text = [
      'kind;occurredAt;hostname;patchId;sourceEventId;cveIds;ring',
      'detected;2024-06-01T08:00:00+02:00;srv-1;openssl@3.0.13;scan-77;cve-2024-2511 CVE-2024-4603;pilot',
      'Deployment Started;2024-06-02T08:00:00Z;srv-1;openssl@3.0.13;job-9;;',
    ].join('\n');
    const outcome = parseGenericCsv(text, { delimiter: ';' });
    expect(outcome.problems).toEqual([]);
    expect(
      outcome.events.map((e) => [e.kind, e.occurredAt, e.sourceEventId, e.cveIds, e.ring, e.source]),
    ).toEqual([
      [
        'detected',
        '2024-06-01T06:00:00.000Z',
        'scan-77',
        ['CVE-2024-2511', 'CVE-2024-4603'],
        'pilot',
        'generic-csv',
      ],
      ['deployment_started', '2024-06-02T08:00:00.000Z', 'job-9', undefined, undefined, 'generic-csv'],
    ]);
  });
});

describe('generic-csv with damaged input', () => {
  it('reports a mapping that names no column, once, and stops', () => {
    const outcome = parseGenericCsv(exportCsv, {
      ...options,
      mapping: { ...options.mapping, patchId: 'KB Number' },
    });
    expect(outcome.events).toEqual([]);
    expect(outcome.problems).toEqual([
      { line: 1, message: 'no column for patchId (looked for "KB Number"): map it with mapping.patchId' },
    ]);
  });

  it('reports each unusable row with its reason and line, and keeps the others', () => {
    const header = 'kind,occurredAt,hostname,patchId,cveIds,vendorSeverity,supersededBy';
    const text = [
      header,
      'deployed,2024-06-01 10:00,srv-1,KB1,,,',
      'installed,2024-06-01T10:00:00Z,srv-1,KB2,,,',
      'deployed,06/01/2024,srv-1,KB3,,,',
      'deployed,2024-06-01T10:00:00Z,,KB4,,,',
      'deployed,2024-06-01T10:00:00Z,srv-1,KB5,CVE-2024-1;CVE-2024-12345,,',
      'deployed,2024-06-01T10:00:00Z,srv-1,KB6,,Severe,',
      'exception_granted,2024-06-01T10:00:00Z,srv-1,KB7,,,',
      'superseded,2024-06-01T10:00:00Z,srv-1,KB8,,,',
      'superseded,2024-06-01T10:00:00Z,srv-1,KB9,,,KB10',
      'deployed,2024-06-01T10:00:00Z,srv-1,"KB11',
    ].join('\n');
    const outcome = parseGenericCsv(text, {});
    expect(outcome.events.map((e) => [e.kind, e.patch.id, e.supersededBy])).toEqual([
      ['superseded', 'KB9', 'KB10'],
    ]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringContaining('has no offset: no time zone: pass --tz')],
      [3, expect.stringContaining('kind "installed" is not one of detected, approved')],
      [4, expect.stringContaining('occurredAt "06/01/2024" is not YYYY-MM-DD')],
      [5, 'empty hostname'],
      [6, 'cveIds: "CVE-2024-1" is not a CVE id (CVE-YYYY-NNNN…)'],
      [7, expect.stringContaining('vendorSeverity: unknown severity "Severe"')],
      [8, expect.stringContaining('exception_granted needs the exception')],
      [9, 'superseded needs supersededBy (the replacing patch)'],
      [11, expect.stringContaining('never closes')],
    ]);
    expect(outcome.read).toBe(10);
  });

  it('survives binary input, a header only and a 1 MB line', () => {
    expect(parseGenericCsv('\u0000\u0000,\u0000', {}).problems[0].message).toContain('binary');
    expect(parseGenericCsv('kind,occurredAt,hostname,patchId\n', {})).toEqual({
      events: [],
      problems: [],
      read: 0,
    });
    const giant = parseGenericCsv(`kind,occurredAt,hostname,patchId\n"${'x'.repeat(1 << 20)}",,,\n`, {});
    expect(giant.problems).toEqual([{ line: 2, message: expect.stringContaining('characters long') }]);
  });
});
