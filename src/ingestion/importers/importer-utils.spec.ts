import { readCsv } from './csv-reader.js';
import {
  ImportCollector,
  MAX_LISTED_PROBLEMS,
  localToUtc,
  makeLocal,
  parseCveList,
  parseTimestamp,
  severityFromCvss,
  splitLines,
  timeZoneOption,
  toRfc3339,
  unreadableInputMessage,
} from './importer-utils.js';
import { parseJsonc } from './jsonc-reader.js';

const utc = (zone: string, text: string, notBefore?: string) => {
  const local = parseTimestamp(text)!.local;
  return toRfc3339(localToUtc(local, zone, notBefore === undefined ? undefined : Date.parse(notBefore)));
};

describe('localToUtc', () => {
  it('uses the offset in force at that date', () => {
    expect(utc('Europe/Berlin', '2024-01-15 12:00:00')).toBe('2024-01-15T11:00:00.000Z');
    expect(utc('Europe/Berlin', '2024-07-15 12:00:00')).toBe('2024-07-15T10:00:00.000Z');
    expect(utc('Asia/Kolkata', '2024-07-15 12:00:00')).toBe('2024-07-15T06:30:00.000Z');
    expect(utc('UTC', '2024-07-15 12:00:00.250')).toBe('2024-07-15T12:00:00.250Z');
  });

  it('reads a time in a spring-forward gap with the offset before the jump (02:30 → 03:30 local)', () => {
    expect(utc('Europe/Berlin', '2024-03-31 02:30:00')).toBe('2024-03-31T01:30:00.000Z');
    expect(utc('America/New_York', '2024-03-10 02:30:00')).toBe('2024-03-10T07:30:00.000Z');
  });

  it('takes the earlier of a fall-back overlap, or the later one when the log has already passed it', () => {
    expect(utc('Europe/Berlin', '2024-10-27 02:30:00')).toBe('2024-10-27T00:30:00.000Z');
    expect(utc('Europe/Berlin', '2024-10-27 02:30:00', '2024-10-27T00:59:58Z')).toBe(
      '2024-10-27T01:30:00.000Z',
    );
    expect(utc('Australia/Sydney', '2024-04-07 02:30:00')).toBe('2024-04-06T15:30:00.000Z');
    // A hint after both candidates (a clock that ran backwards) falls back to the earlier one.
    expect(utc('Europe/Berlin', '2024-10-27 02:30:00', '2024-10-28T00:00:00Z')).toBe(
      '2024-10-27T00:30:00.000Z',
    );
  });

  it('checks the zone once, with a message a user can act on', () => {
    expect(timeZoneOption({})).toEqual({ ok: false, message: expect.stringContaining('pass --tz') });
    expect(timeZoneOption({ timeZone: 'CEST' })).toEqual({
      ok: false,
      message: expect.stringContaining('unknown time zone "CEST"'),
    });
    expect(timeZoneOption({ timeZone: ' Europe/Berlin ' })).toEqual({ ok: true, value: 'Europe/Berlin' });
  });
});

describe('parseTimestamp', () => {
  it('reads RFC 3339 with any fraction, offsets, and local forms', () => {
    expect(parseTimestamp('2017-07-20T08:35:29.509535600Z')).toEqual({
      local: makeLocal(2017, 7, 20, 8, 35, 29, 509),
      offsetMinutes: 0,
      dateOnly: false,
    });
    expect(parseTimestamp('2024-06-01T08:00:00-05:30')?.offsetMinutes).toBe(-330);
    expect(parseTimestamp('2024-06-01 08:00')).toEqual({
      local: makeLocal(2024, 6, 1, 8, 0),
      dateOnly: false,
    });
    expect(parseTimestamp('2024-06-01')?.dateOnly).toBe(true);
  });

  it.each([
    '2024-02-30',
    '2023-02-29T00:00:00Z',
    '2024-06-01T24:00:00Z',
    '2024-06-01T10:00:00+25:00',
    '06/01/2024',
    '0099-01-01',
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('small helpers', () => {
  it('validates and normalises CVE lists', () => {
    expect(parseCveList('cve-2024-1234; CVE-2024-12345,CVE-2024-1234')).toEqual({
      ok: true,
      value: ['CVE-2024-1234', 'CVE-2024-12345'],
    });
    expect(parseCveList('CVE-2024-123').ok).toBe(false);
  });

  it('bands CVSS scores', () => {
    expect([9.8, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0, 11].map(severityFromCvss)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'none',
      undefined,
    ]);
  });

  it('splits LF, CRLF and CR lines and drops a BOM', () => {
    expect(splitLines('\uFEFFa\r\nb\rc\n\nd\n')).toEqual(['a', 'b', 'c', '', 'd']);
  });

  it('tells text from binary by the first line, so a log with a zero-filled tail still reads', () => {
    expect(unreadableInputMessage('S\u0000t\u0000a\u0000r\u0000t\u0000')).toContain('binary');
    expect(unreadableInputMessage('Start-Date: 2024-01-01\n\u0000\u0000\u0000')).toBeUndefined();
    expect(unreadableInputMessage('\uFEFF')).toContain('empty');
  });

  it('lists the first problems and counts the rest', () => {
    const collector = new ImportCollector();
    for (let line = 1; line <= MAX_LISTED_PROBLEMS + 5; line++) collector.problem(line, 'bad');
    const { problems } = collector.outcome();
    expect(problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(problems.at(-1)).toEqual({
      line: MAX_LISTED_PROBLEMS + 5,
      message: expect.stringContaining('5 more problems'),
    });
  });
});

describe('readCsv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes, CRLF', () => {
    const records = [...readCsv('a,"b,1","say ""hi"""\r\n"multi\r\nline",,x\r\n\r\nlast,"",')];
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b,1', 'say "hi"'] },
      { line: 2, fields: ['multi\r\nline', '', 'x'] },
      { line: 5, fields: ['last', '', ''] },
    ]);
  });
});

describe('parseJsonc', () => {
  it('accepts comments and trailing commas, not inside strings, and knows the line of each object', () => {
    const parsed = parseJsonc(
      '{\n  "url": "http://x//y", // a comment\n  /* block */ "list": [\n    {"a": 1,},\n  ],\n}',
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const value = parsed.value.value as { url: string; list: object[] };
    expect(value).toEqual({ url: 'http://x//y', list: [{ a: 1 }] });
    expect(parsed.value.lineOf(value.list[0])).toBe(4);
    expect(parsed.value.lineOf(value, 'list')).toBe(3);
  });

  it('keeps "__proto__" as data, as JSON.parse does', () => {
    const parsed = parseJsonc('{"__proto__": {"polluted": true}}');
    expect(parsed.ok && Object.getPrototypeOf(parsed.value.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
