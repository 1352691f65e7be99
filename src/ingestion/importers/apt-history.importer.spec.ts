import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { parseAptHistory } from './apt-history.importer.js';
import { readMaybeGzip } from './read-input.js';

const FIXTURES = path.resolve('test/fixtures/importers');
const current = readFileSync(path.join(FIXTURES, 'apt-history.log'), 'utf8');
const rotatedGz = readFileSync(path.join(FIXTURES, 'apt-history.log.1.gz'));
const options = { timeZone: 'Europe/Berlin', hostname: 'web-01' };

describe('apt-history on a year of a Berlin web server', () => {
  const outcome = parseAptHistory(current, options);
  const summary = outcome.events.map((e) => [e.kind, e.patch.id, e.occurredAt]);

  it('turns upgrades and installs into deploys, the downgrade and purge into rollbacks, the error into failures', () => {
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(current.trimEnd().split('\n').length);
    expect(summary).toEqual([
      ['deployed', 'openssl@3.0.2-0ubuntu1.15', '2024-03-12T05:25:09.000Z'],
      ['deployed', 'libssl3@3.0.2-0ubuntu1.15', '2024-03-12T05:25:09.000Z'],
      ['deployed', 'nginx@1.18.0-6ubuntu14.4', '2024-03-14T09:12:58.000Z'],
      ['deployed', 'nginx-common@1.18.0-6ubuntu14.4', '2024-03-14T09:12:58.000Z'],
      ['deployed', 'libnginx-mod-http-geoip2@1.18.0-6ubuntu14.4', '2024-03-14T09:12:58.000Z'],
      // Started 01:59:50 CET, ended 03:00:12 CEST: 22 seconds across the spring-forward jump.
      ['deployed', 'sudo@1.9.9-1ubuntu2.4', '2024-03-31T01:00:12.000Z'],
      // Downgrade (current, candidate): the version being left is the patch rolled back.
      ['rolled_back', 'sudo@1.9.9-1ubuntu2.4', '2024-04-02T12:03:20.000Z'],
      ['failed', 'linux-image-generic@5.15.0.102.99', '2024-04-09T04:41:55.000Z'],
      ['failed', 'linux-image-5.15.0-102-generic@5.15.0-102.112', '2024-04-09T04:41:55.000Z'],
      ['rolled_back', 'nginx@1.18.0-6ubuntu14.4', '2024-04-10T07:15:06.000Z'],
      ['rolled_back', 'nginx-common@1.18.0-6ubuntu14.4', '2024-04-10T07:15:06.000Z'],
      // Fall-back night: 02:59:58 CEST → 02:00:03 CET is five seconds later, not 59 minutes earlier…
      ['deployed', 'tzdata@2024a-0ubuntu0.22.04.1', '2024-10-27T01:00:03.000Z'],
      // …and the next run at 02:30 is the second 02:30 of the night, after the one before it.
      ['deployed', 'curl@7.81.0-1ubuntu1.18', '2024-10-27T01:30:06.000Z'],
      ['deployed', 'libcurl4@7.81.0-1ubuntu1.18', '2024-10-27T01:30:06.000Z'],
    ]);
  });

  it('keeps who asked, the arch, the error text and a deterministic id', () => {
    const [nginx] = outcome.events.filter((e) => e.patch.id === 'nginx@1.18.0-6ubuntu14.4');
    expect(nginx).toMatchObject({
      source: 'apt-history',
      sourceEventId: 'web-01:apt:2024-03-14T10:12:44:install:nginx:amd64',
      asset: { hostname: 'web-01' },
      patch: { title: 'nginx:amd64 1.18.0-6ubuntu14.4' },
      actor: 'alice',
      raw: expect.stringContaining('Commandline: apt install nginx'),
    });
    expect(outcome.events.find((e) => e.kind === 'failed')?.errorCode).toBe(
      'Sub-process /usr/bin/dpkg returned an error code (1)',
    );
    expect(outcome.events.find((e) => e.patch.id.startsWith('openssl'))?.actor).toBeUndefined();
    const ids = outcome.events.map((e) => e.sourceEventId);
    expect(new Set(ids).size).toBe(ids.length);
    // Ids come from what apt wrote, not from the zone: a re-import with a corrected --tz matches them.
    expect(
      parseAptHistory(current, { ...options, timeZone: 'America/New_York' }).events.map(
        (e) => e.sourceEventId,
      ),
    ).toEqual(ids);
  });

  it('reads the gzipped rotated file, epochs in versions included', () => {
    const rotated = parseAptHistory(readMaybeGzip(rotatedGz), options);
    expect(rotated.problems).toEqual([]);
    expect(rotated.events.map((e) => [e.kind, e.patch.id, e.actor])).toEqual([
      ['deployed', 'libc6@2.35-0ubuntu3.6', undefined],
      ['deployed', 'libc-bin@2.35-0ubuntu3.6', undefined],
      ['rolled_back', 'telnet@0.17-44build1', 'carol'],
      ['rolled_back', 'inetutils-telnet@2:2.2-2ubuntu0.1', 'carol'],
    ]);
    expect(readMaybeGzip(Buffer.from(current))).toBe(current);
  });

  it('reports the cut stanza of a truncated .gz and keeps the complete one', () => {
    const cut = gzipSync(readMaybeGzip(rotatedGz)).subarray(0, 150);
    const rotated = parseAptHistory(readMaybeGzip(cut), options);
    expect(rotated.events.map((e) => e.patch.id)).toEqual([
      'libc6@2.35-0ubuntu3.6',
      'libc-bin@2.35-0ubuntu3.6',
    ]);
    // The cut falls inside the second run's Start-Date line: that run is the one problem.
    expect(rotated.problems).toEqual([
      { line: 7, message: expect.stringContaining('Start-Date "2024-02-20"') },
    ]);
  });

  it('refuses to guess a zone or a host: every run is a problem without them', () => {
    const noZone = parseAptHistory(current, { hostname: 'web-01' });
    expect(noZone.events).toEqual([]);
    expect(noZone.problems).toHaveLength(9);
    expect(noZone.problems[0]).toEqual({
      line: 2,
      message: expect.stringContaining('no time zone: pass --tz'),
    });
    const neither = parseAptHistory(current, {});
    expect(neither.problems[0].message).toMatch(/no time zone.*; no hostname: pass --hostname/);
    expect(parseAptHistory(current, { ...options, timeZone: 'Mars/Olympus' }).problems[0].message).toContain(
      'unknown time zone "Mars/Olympus"',
    );
  });
});

describe('apt-history with damaged input', () => {
  it('reports bad lines, bad package lists and failed removals, and goes on', () => {
    const text = [
      'Start-Date: 2024-06-01  08:00:00',
      'Commandline: apt upgrade',
      'Upgrade: bash:amd64 (5.1-6ubuntu1, 5.1-6ubuntu1.1), zlib1g:amd64 5.1',
      'Install: htop:amd64 (3.0.5-7build2)',
      'garbage without a colon',
      'End-Date: 2024-06-01  08:00:09',
      '',
      'Start-Date: 2024-06-02  08:00:00',
      'Remove: htop:amd64 (3.0.5-7build2)',
      'Error: Sub-process /usr/bin/dpkg returned an error code (1)',
      'End-Date: 2024-06-02  08:00:03',
      '',
      'Start-Date: 2024-13-02  08:00:00',
      'End-Date: 2024-06-02  08:00:03',
      '',
      'Commandline: apt install vim',
      'End-Date: 2024-06-03  08:00:03',
    ].join('\n');
    const outcome = parseAptHistory(text, options);
    expect(outcome.events.map((e) => [e.kind, e.patch.id])).toEqual([['deployed', 'htop@3.0.5-7build2']]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [5, expect.stringContaining('not a "Key: value" line')],
      [3, expect.stringContaining('Upgrade: cannot read the package list at " zlib1g:amd64 5.1"')],
      [9, expect.stringContaining('whether the remove of 1 package(s) took effect is unknown')],
      [13, expect.stringContaining('Start-Date "2024-13-02  08:00:00" is not')],
      [16, expect.stringContaining('without a Start-Date')],
    ]);
    expect(outcome.read).toBe(17);
  });

  it('survives binary input, a gzip not decompressed and a 1 MB line', () => {
    expect(parseAptHistory('\u0000\u0000binary', options).problems).toEqual([
      { line: 1, message: expect.stringContaining('binary') },
    ]);
    expect(parseAptHistory(rotatedGz.toString('utf8'), options).problems).toEqual([
      { line: 1, message: expect.stringContaining('gzip-compressed') },
    ]);
    const giant = parseAptHistory(`${current}\nStart-Date: ${'9'.repeat(1 << 20)}\n`, options);
    expect(giant.events).toHaveLength(14);
    expect(giant.problems).toEqual([
      { line: current.split('\n').length + 1, message: expect.stringContaining('characters long') },
    ]);
    expect(parseAptHistory(`Upgrade: ${'a (b, c), '.repeat(6000)}`, options).problems).toHaveLength(1);
  });
});
