import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { EventDraft, ImportOutcome } from '../patch-event.js';
import { parseWindowsUpdateXml } from './windows-update-xml.importer.js';

const WINDOWS = path.resolve('../shared/realdata/windows');
const SYSTEM = 'omerbenamram-evtx_samples_system_WindowsUpdateClient.xml';
const VSS = 'omerbenamram-evtx_samples_2-vss_7-System_WindowsUpdateClient.xml';

const read = (file: string) => readFileSync(path.join(WINDOWS, file), 'utf8');
const countKinds = (outcome: ImportOutcome) =>
  outcome.events.reduce<Record<string, number>>(
    (counts, e) => ({ ...counts, [e.kind]: (counts[e.kind] ?? 0) + 1 }),
    {},
  );
const forPatch = (events: EventDraft[], id: string) => events.filter((e) => e.patch.id === id);

describe('windows-update-xml on the real System logs', () => {
  const system = parseWindowsUpdateXml(read(SYSTEM), {});
  const vss = parseWindowsUpdateXml(read(VSS), {});

  it('reads every <Event> and turns 19/20/43 into events, passing over the 44 downloads', () => {
    expect(system.problems).toEqual([]);
    expect(system.read).toBe(377);
    expect(countKinds(system)).toEqual({ deployed: 116, failed: 5, deployment_started: 119 });
    expect(system.events).toHaveLength(377 - 137);

    expect(vss.problems).toEqual([]);
    expect(vss.read).toBe(404);
    expect(countKinds(vss)).toEqual({ deployed: 137, failed: 2, deployment_started: 135 });
  });

  it('shows KB4025342 failing four times with 0x80248007 and never installing', () => {
    const kb = forPatch(system.events, 'KB4025342');
    const failures = kb.filter((e) => e.kind === 'failed');
    expect(failures.map((e) => e.occurredAt)).toEqual([
      '2017-07-23T07:25:41.804Z',
      '2017-07-24T08:40:28.188Z',
      '2017-07-27T10:33:46.886Z',
      '2017-07-31T05:14:05.541Z',
    ]);
    expect(new Set(failures.map((e) => e.errorCode))).toEqual(new Set(['0x80248007']));
    expect(kb.some((e) => e.kind === 'deployed')).toBe(false);
    expect(failures[0]).toMatchObject({
      source: 'windows-update',
      sourceEventId: 'DESKTOP-2KGM189:561',
      asset: { hostname: 'DESKTOP-2KGM189' },
      patch: {
        id: 'KB4025342',
        vendor: 'Microsoft',
        title: '2017-07 Cumulative Update for Windows 10 Version 1703 for x64-based Systems (KB4025342)',
      },
    });
    expect(failures[0].raw).toEqual(expect.stringContaining('<EventRecordID>561</EventRecordID>'));
  });

  it('shows the Store app VCLibs failing with 0x8024001E and installing six minutes later', () => {
    const vclibs = vss.events.filter(
      (e) => e.patch.title === '9NBLGGH3FL3T-Microsoft.VCLibs.120.00.Universal',
    );
    expect(vclibs.map((e) => [e.kind, e.occurredAt, e.errorCode])).toEqual([
      ['deployment_started', '2018-07-12T20:51:29.852Z', undefined],
      ['failed', '2018-07-12T20:51:29.852Z', '0x8024001E'],
      ['deployment_started', '2018-07-12T20:57:37.870Z', undefined],
      ['deployed', '2018-07-12T20:57:37.870Z', undefined],
    ]);
    // No KB in a Store app's title: the update GUID is the patch id, the same for the failure and the retry.
    expect(new Set(vclibs.map((e) => e.patch.id))).toEqual(new Set(['8ee3d0ef-5511-453a-b9dd-00affed0477e']));
  });

  it('finds the KB of a Defender definition update outside parentheses', () => {
    const definitions = system.events.filter((e) =>
      e.patch.title?.startsWith('Definition Update for Windows Defender'),
    );
    expect(definitions.length).toBeGreaterThan(0);
    expect(new Set(definitions.map((e) => e.patch.id))).toEqual(new Set(['KB2267602']));
  });

  it('gives every event a distinct, stable id of Computer and EventRecordID', () => {
    const ids = system.events.map((e) => e.sourceEventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parseWindowsUpdateXml(read(SYSTEM), {}).events).toEqual(system.events);
  });
});

const event = (
  id: number,
  eventId: number,
  data: string,
) => `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-WindowsUpdateClient"/>
    <EventID>${eventId}</EventID>
    <TimeCreated SystemTime="2024-05-14T18:02:11.1234567Z"/>
    <EventRecordID>${id}</EventRecordID>
    <Computer>SRV-APP01</Computer>
  </System>
  <EventData>${data}</EventData>
</Event>`;
const title = (text: string) => `<Data Name="updateTitle">${text}</Data>`;

describe('windows-update-xml edge cases', () => {
  it('reads bare <Event> elements (wevtutil) and maps 23 to rolled_back, 24 to nothing', () => {
    const outcome = parseWindowsUpdateXml(
      [
        event(1, 23, title('2024-05 Cumulative Update (KB5037771)')),
        event(2, 24, title('Update (KB5037771)')),
      ].join('\n'),
      { source: 'rmm-collector' },
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(2);
    expect(outcome.events).toEqual([
      expect.objectContaining({
        kind: 'rolled_back',
        occurredAt: '2024-05-14T18:02:11.123Z',
        source: 'rmm-collector',
        patch: expect.objectContaining({ id: 'KB5037771' }),
      }),
    ]);
  });

  it('decodes entities and skips events of other providers', () => {
    const other = event(3, 19, '').replace(
      'Microsoft-Windows-WindowsUpdateClient',
      'Service Control Manager',
    );
    const outcome = parseWindowsUpdateXml(
      `<?xml version="1.0"?>\n<Events>\n${other}\n${event(4, 19, title('Tools &amp; Runtime &#x2014; (KB123456)'))}\n</Events>\n`,
      {},
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(2);
    expect(outcome.events.map((e) => e.patch.title)).toEqual(['Tools & Runtime \u2014 (KB123456)']);
  });

  it('reports a truncated file at the cut record and keeps the records before it', () => {
    const whole = `<Events>\n${event(1, 19, title('A (KB1111111)'))}\n${event(2, 19, title('B (KB2222222)'))}\n</Events>\n`;
    const truncated = whole.slice(0, whole.indexOf('<EventRecordID>2'));
    const outcome = parseWindowsUpdateXml(truncated, {});
    expect(outcome.events.map((e) => e.patch.id)).toEqual(['KB1111111']);
    expect(outcome.problems).toEqual([{ line: 12, message: expect.stringContaining('truncated') }]);
  });

  it('reports a missing </Events> when the cut falls between records', () => {
    const outcome = parseWindowsUpdateXml(`<Events>\n${event(1, 19, title('A (KB1111111)'))}\n`, {});
    expect(outcome.events).toHaveLength(1);
    expect(outcome.problems).toEqual([
      { line: 11, message: expect.stringContaining('</Events> is missing') },
    ]);
  });

  it('reports a damaged record and reads the next one', () => {
    const broken = event(1, 19, title('A (KB1111111)')).replace('</Computer>', '</Computr>');
    const outcome = parseWindowsUpdateXml(
      `<Events>\n${broken}\n${event(2, 20, title('B (KB2222222)'))}\n</Events>`,
      {},
    );
    expect(outcome.events.map((e) => [e.kind, e.patch.id])).toEqual([['failed', 'KB2222222']]);
    expect(outcome.problems).toEqual([
      { line: 2, message: expect.stringContaining('</Computr> closes <Computer>') },
    ]);
  });

  it('reports events it cannot use: no time, no update, bad record id', () => {
    const outcome = parseWindowsUpdateXml(
      [
        event(1, 19, title('A (KB1)')).replace('2024-05-14T18:02:11.1234567Z', '14/05/2024 18:02'),
        event(2, 19, ''),
        event(3, 19, title('C (KB3333333)')).replace('<EventRecordID>3<', '<EventRecordID>x<'),
      ].join('\n'),
      {},
    );
    expect(outcome.events).toEqual([]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [1, expect.stringContaining('TimeCreated "14/05/2024 18:02" is not an RFC 3339')],
      [11, 'event names no update (no updateTitle, no updateGuid)'],
      [21, expect.stringContaining('EventRecordID "x" is not a number')],
    ]);
  });

  it('survives binary input, garbage and a 1 MB line without throwing', () => {
    expect(parseWindowsUpdateXml('\u0000\u0001\u0002<Event', {}).problems).toEqual([
      { line: 1, message: expect.stringContaining('binary') },
    ]);
    const giant = parseWindowsUpdateXml(
      `<Events>\n${'x'.repeat(1 << 20)}\n${event(1, 19, title('(KB1234567)'))}\n</Events>`,
      {},
    );
    expect(giant.events).toHaveLength(1);
    expect(giant.problems).toEqual([
      { line: 2, message: expect.stringContaining('unexpected content outside <Event>') },
    ]);
    const giantTitle = parseWindowsUpdateXml(event(1, 19, title('y'.repeat(1 << 20))), {});
    expect(giantTitle.problems).toEqual([{ line: 1, message: expect.stringContaining('longer than 65536') }]);
    expect(parseWindowsUpdateXml('<Event '.repeat(50_000), {}).events).toEqual([]);
  });
});
