import { readFileSync } from 'node:fs';
import path from 'node:path';

import { compareDebianVersions, parseDpkgLog } from './dpkg-log.importer.js';

const log = readFileSync(path.resolve('test/fixtures/importers/dpkg.log'), 'utf8');
const options = { timeZone: 'Europe/Berlin', hostname: 'web-01' };

describe('dpkg-log', () => {
  const outcome = parseDpkgLog(log, options);

  it('confirms each upgrade once, by its "status installed", and ignores trigger runs', () => {
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(63);
    expect(outcome.events.map((e) => [e.kind, e.patch.id, e.occurredAt])).toEqual([
      ['deployment_started', 'libssl3@3.0.2-0ubuntu1.15', '2024-03-12T05:25:03.000Z'],
      ['deployment_started', 'openssl@3.0.2-0ubuntu1.15', '2024-03-12T05:25:04.000Z'],
      ['deployed', 'libssl3@3.0.2-0ubuntu1.15', '2024-03-12T05:25:05.000Z'],
      ['deployed', 'openssl@3.0.2-0ubuntu1.15', '2024-03-12T05:25:06.000Z'],
      ['deployment_started', 'htop@3.0.5-7build2', '2024-03-14T09:12:50.000Z'],
      ['deployed', 'htop@3.0.5-7build2', '2024-03-14T09:12:51.000Z'],
      // dpkg writes the downgrade as "upgrade sudo 2.4 2.3": the version left is rolled back.
      ['rolled_back', 'sudo@1.9.9-1ubuntu2.4', '2024-04-02T12:03:18.000Z'],
      // The kernel's postinst never finished: started, never confirmed.
      ['deployment_started', 'linux-image-5.15.0-102-generic@5.15.0-102.112', '2024-04-09T04:41:12.000Z'],
      // remove counts; the purge after it does not count twice.
      ['rolled_back', 'htop@3.0.5-7build2', '2024-04-10T07:15:04.000Z'],
    ]);
    expect(
      outcome.events.some((e) => e.patch.id.startsWith('man-db') || e.patch.id.startsWith('libc-bin')),
    ).toBe(false);
  });

  it('gives deterministic ids and keeps the line as raw', () => {
    expect(outcome.events[3]).toMatchObject({
      source: 'dpkg-log',
      sourceEventId: 'web-01:dpkg:2024-03-12T06:25:06:installed:openssl:amd64:3.0.2-0ubuntu1.15',
      asset: { hostname: 'web-01' },
      patch: { title: 'openssl:amd64 3.0.2-0ubuntu1.15' },
      raw: '2024-03-12 06:25:06 status installed openssl:amd64 3.0.2-0ubuntu1.15',
    });
    const ids = outcome.events.map((e) => e.sourceEventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('needs a zone and a host for every event line, and says so', () => {
    const noZone = parseDpkgLog(log, { hostname: 'web-01' });
    expect(noZone.events).toEqual([]);
    expect(noZone.problems).toHaveLength(9);
    expect(noZone.problems[0]).toEqual({
      line: 2,
      message: expect.stringContaining('no time zone: pass --tz'),
    });
    expect(parseDpkgLog(log, { timeZone: 'UTC' }).problems[0].message).toContain('no hostname');
  });

  it('reports lines it cannot read and goes on', () => {
    const text = [
      '2024-06-01 08:00:00 upgrade bash:amd64 5.1-6ubuntu1',
      '2024-06-01 08:00:00 frobnicate bash:amd64',
      'Jun  1 08:00:00 upgrade bash:amd64 5.1-6ubuntu1 5.1-6ubuntu1.1',
      '2024-02-30 08:00:00 install vim:amd64 <none> 2:8.2.3995-1ubuntu2.15',
      '2024-06-01 08:00:01 install vim:amd64 <none> 2:8.2.3995-1ubuntu2.15',
      '2024-06-01 08:00:02 status installed vim:amd64 2:8.2.3995-1ubuntu2.15',
      '\u0000\u0000\u0000\u0000',
      `2024-06-01 08:00:03 remove ${'x'.repeat(1 << 20)}`,
    ].join('\n');
    const bad = parseDpkgLog(text, options);
    expect(bad.events.map((e) => [e.kind, e.patch.id])).toEqual([
      ['deployment_started', 'vim@2:8.2.3995-1ubuntu2.15'],
      ['deployed', 'vim@2:8.2.3995-1ubuntu2.15'],
    ]);
    expect(bad.problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'dpkg upgrade line should read "upgrade pkg:arch old new"'],
      [2, 'unknown dpkg action "frobnicate"'],
      [3, expect.stringContaining('not a dpkg.log line')],
      [4, '2024-02-30 08:00:00 is not a valid date and time'],
      [7, expect.stringContaining('not a dpkg.log line')],
      [8, expect.stringContaining('characters long')],
    ]);
    expect(parseDpkgLog('\u0000'.repeat(100), options).problems).toEqual([
      { line: 1, message: expect.stringContaining('binary') },
    ]);
  });
});

describe('compareDebianVersions', () => {
  it.each([
    ['1.9.9-1ubuntu2.4', '1.9.9-1ubuntu2.3', 1],
    ['3.0.2-0ubuntu1.15', '3.0.2-0ubuntu1.9', 1],
    ['1:1.0', '2.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0+deb12u1', -1],
    ['2024a-0ubuntu0.22.04.1', '2024a-0ubuntu0.22.04', 1],
    ['1.0-1', '1.0-1', 0],
    ['1.00', '1.0', 0],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareDebianVersions(a, b)).toBe(expected);
  });
});
