import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { EventDraft } from '../patch-event.js';
import { parseWindowsUpdateCsv } from './windows-update-csv.importer.js';
import { parseWindowsUpdateXml } from './windows-update-xml.importer.js';

const WINDOWS = path.resolve('../shared/realdata/windows');
const read = (file: string) => readFileSync(path.join(WINDOWS, file), 'utf8');
const withoutRaw = (events: EventDraft[]) => events.map(({ raw: _raw, ...event }) => event);
const kinds = (events: EventDraft[]) =>
  events.reduce<Record<string, number>>(
    (counts, e) => ({ ...counts, [e.kind]: (counts[e.kind] ?? 0) + 1 }),
    {},
  );

const HEADER =
  'EventRecordID,TimeCreated,EventID,Version,Level,Task,Opcode,Keywords,Channel,Computer,updateTitle,updateGuid,updateRevisionNumber,serviceGuid,errorCode';
const row = (id: number, eventId: number, title: string, errorCode = '') =>
  `${id},2024-05-14T18:02:11.1234567Z,${eventId},1,4,1,13,0x8000000000000018,System,SRV-APP01,${title},{8EE3D0EF-5511-453A-B9DD-00AFFED0477E},2,,${errorCode}`;

describe('windows-update-csv on the real System logs', () => {
  it.each([
    [
      'omerbenamram-evtx_samples_system_WindowsUpdateClient',
      377,
      { deployed: 116, failed: 5, deployment_started: 119 },
    ],
    [
      'omerbenamram-evtx_samples_2-vss_7-System_WindowsUpdateClient',
      404,
      { deployed: 137, failed: 2, deployment_started: 135 },
    ],
  ])('reads %s.csv into the same events as its XML twin', (name, rows, expected) => {
    const csv = parseWindowsUpdateCsv(read(`${name}.csv`), {});
    expect(csv.problems).toEqual([]);
    expect(csv.read).toBe(rows);
    expect(kinds(csv.events)).toEqual(expected);
    expect(withoutRaw(csv.events)).toEqual(withoutRaw(parseWindowsUpdateXml(read(`${name}.xml`), {}).events));
  });

  it('keeps the quoted title with commas and the row as raw', () => {
    const csv = parseWindowsUpdateCsv(read('omerbenamram-evtx_samples_system_WindowsUpdateClient.csv'), {});
    const msrt = csv.events.find((e) => e.sourceEventId === 'DESKTOP-2KGM189:1823');
    expect(msrt).toMatchObject({
      kind: 'failed',
      errorCode: '0x80246013',
      patch: {
        id: 'KB890830',
        title:
          'Windows Malicious Software Removal Tool for Windows 8, 8.1, 10 and Windows Server 2012, 2012 R2, 2016 x64 Edition - October 2017 (KB890830)',
      },
      raw: expect.objectContaining({ EventRecordID: '1823', EventID: '20', errorCode: '0x80246013' }),
    });
  });
});

describe('windows-update-csv with damaged input', () => {
  it('reports rows of the wrong width, broken quotes and bad values, and reads the rest', () => {
    const text = [
      HEADER,
      row(1, 19, '"Update, with comma (KB5000001)"'),
      row(2, 19, 'Short (KB5000002)').replace(',2,,', ',2,'),
      row(3, 20, '"Stray "quote" (KB5000003)"', '0x80070005'),
      row(4, 20, '"Line\r\nbreak (KB5000004)"', '-2147024891'),
      row(5, 99, 'Other event (KB5000005)'),
      row(6, 19, 'No time (KB5000006)').replace('2024-05-14T18:02:11.1234567Z', ''),
      row(7, 19, '"Never closes (KB5000007)'),
      row(8, 19, 'Lost (KB5000008)'),
    ].join('\r\n');
    const outcome = parseWindowsUpdateCsv(text, {});
    expect(outcome.events.map((e) => [e.sourceEventId, e.kind, e.patch.id, e.errorCode])).toEqual([
      ['SRV-APP01:1', 'deployed', 'KB5000001', undefined],
      ['SRV-APP01:4', 'failed', 'KB5000004', '0x80070005'],
    ]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'row has 14 fields, the header has 15'],
      [4, expect.stringContaining('text after a closing quote')],
      // Row 4 spans two lines (a quoted line break), so row 6 starts on line 8.
      [8, expect.stringContaining('TimeCreated "" is not an RFC 3339')],
      [9, expect.stringContaining('never closes')],
    ]);
    expect(outcome.read).toBe(7);
  });

  it('refuses a CSV that is not a Windows Update export', () => {
    expect(parseWindowsUpdateCsv('Date,Host,KB\n2024-05-14,SRV,KB1\n', {}).problems).toEqual([
      {
        line: 1,
        message: 'not a Windows Update event CSV: no column EventRecordID, TimeCreated, EventID, Computer',
      },
    ]);
  });

  it('survives binary input, an empty file and a 1 MB line', () => {
    expect(parseWindowsUpdateCsv('', {}).problems).toEqual([
      { line: 1, message: 'empty input: nothing to import' },
    ]);
    expect(parseWindowsUpdateCsv('PK\u0003\u0004\u0000\u0000', {}).problems[0].message).toContain('binary');
    const giant = parseWindowsUpdateCsv(
      [HEADER, 'x'.repeat(1 << 20), row(1, 19, 'A (KB5000001)')].join('\n'),
      {},
    );
    expect(giant.events).toHaveLength(1);
    expect(giant.problems).toEqual([{ line: 2, message: expect.stringContaining('characters long') }]);
  });
});
