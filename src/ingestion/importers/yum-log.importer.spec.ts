import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseNevra, parseYumLog } from './yum-log.importer.js';

const log = readFileSync(path.resolve('test/fixtures/importers/yum.log'), 'utf8');
const options = { timeZone: 'America/Chicago', hostname: 'db-02', year: 2023 };

describe('yum-log', () => {
  const outcome = parseYumLog(log, options);

  it('dates December in the given year and January in the next, in the host zone', () => {
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(10);
    expect(outcome.events.map((e) => [e.kind, e.patch.id, e.occurredAt])).toEqual([
      ['deployed', 'openssl-libs@1:1.0.2k-25.el7_9', '2023-12-08T09:12:44.000Z'],
      ['deployed', 'openssl@1:1.0.2k-25.el7_9', '2023-12-08T09:12:45.000Z'],
      ['deployed', 'kernel@3.10.0-1160.105.1.el7', '2023-12-08T09:12:49.000Z'],
      ['deployed', 'tzdata@2023c-1.el7', '2023-12-08T09:12:51.000Z'],
      ['deployed', 'httpd-tools@2.4.6-99.el7.centos.1', '2023-12-19T20:02:10.000Z'],
      ['deployed', 'httpd@2.4.6-99.el7.centos.1', '2023-12-19T20:02:11.000Z'],
      ['deployed', 'sudo@1.8.23-10.el7_9.3', '2024-01-09T09:10:02.000Z'],
      ['deployed', 'kernel@3.10.0-1160.108.1.el7', '2024-01-09T09:10:05.000Z'],
      ['rolled_back', 'httpd@2.4.6-99.el7.centos.1', '2024-01-15T16:22:37.000Z'],
      ['rolled_back', 'httpd-tools@2.4.6-99.el7.centos.1', '2024-01-15T16:22:38.000Z'],
    ]);
    expect(outcome.events[0]).toMatchObject({
      source: 'yum-log',
      sourceEventId: 'db-02:yum:2023-12-08T03:12:44:updated:1:openssl-libs-1.0.2k-25.el7_9.x86_64',
      asset: { hostname: 'db-02' },
      patch: { title: '1:openssl-libs-1.0.2k-25.el7_9.x86_64' },
      raw: 'Dec 08 03:12:44 Updated: 1:openssl-libs-1.0.2k-25.el7_9.x86_64',
    });
  });

  it('never guesses the year, the zone or the host', () => {
    const noYear = parseYumLog(log, { timeZone: 'America/Chicago', hostname: 'db-02' });
    expect(noYear.events).toEqual([]);
    expect(noYear.problems).toHaveLength(10);
    expect(noYear.problems[0]).toEqual({
      line: 1,
      message: expect.stringContaining('no year: yum.log omits it'),
    });
    expect(parseYumLog(log, {}).problems[0].message).toMatch(/no time zone.*; no hostname.*; no year/);
  });

  it('finds the version of an old-style "Erased: name" in what the file installed, else reports it', () => {
    const text = [
      'Feb 15 10:00:48 Installed: python-dropbox-1.6-4.fc20.noarch',
      'Feb 16 09:00:00 Erased: python-dropbox',
      'Feb 16 09:00:01 Erased: mysql-server',
      'Feb 16 09:00:02 Obsoleted: python-boto-2.22.0-1.fc20.noarch',
      'Feb 30 09:00:03 Installed: vim-enhanced-2:7.4.160-1.el7.x86_64',
      'Feb 16 09:00:04 Updated: firewalld',
      'Feb 16 09:00:05 Reinstalled: firewalld-0.3.9.3-1.fc20.noarch',
      'yesterday Installed: nothing',
      `Feb 16 09:00:06 Erased: ${'x'.repeat(1 << 20)}`,
    ].join('\n');
    const outcome = parseYumLog(text, { ...options, year: 2014 });
    expect(outcome.events.map((e) => [e.kind, e.patch.id])).toEqual([
      ['deployed', 'python-dropbox@1.6-4.fc20'],
      ['rolled_back', 'python-dropbox@1.6-4.fc20'],
    ]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [3, expect.stringContaining('"mysql-server" names no version')],
      [5, 'Feb 30 2014 is not a date'],
      [6, expect.stringContaining('"firewalld" is not name-version-release.arch')],
      [7, 'unknown yum action "Reinstalled"'],
      [8, expect.stringContaining('not a yum.log line')],
      [9, expect.stringContaining('characters long')],
    ]);
    expect(parseYumLog('\u0000ELF\u0001', options).problems[0].message).toContain('binary');
  });

  it.each([
    ['1:openssl-libs-1.0.2k-25.el7_9.x86_64', { name: 'openssl-libs', version: '1:1.0.2k-25.el7_9' }],
    ['vim-enhanced-2:7.4.160-1.el7.x86_64', { name: 'vim-enhanced', version: '2:7.4.160-1.el7' }],
    ['python3.11', { name: 'python3.11' }],
    ['kernel-3.10.0-1160.el7.x86_64', { name: 'kernel', version: '3.10.0-1160.el7' }],
  ])('parseNevra(%s)', (text, expected) => {
    expect(parseNevra(text)).toEqual(expected);
  });
});
