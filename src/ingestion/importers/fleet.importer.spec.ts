import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseFleet } from './fleet.importer.js';

const FLEET = path.resolve('../shared/realdata/rmm/fleet');
const read = (file: string) => readFileSync(path.join(FLEET, file), 'utf8');

describe('fleet on the API documentation examples', () => {
  const software = read('list_software_versions_response.example.json');

  it('software versions: a fleet-wide list names no host, so the vulnerable glibc is reported, not guessed', () => {
    const outcome = parseFleet(software, {});
    expect(outcome.read).toBe(2);
    expect(outcome.events).toEqual([]);
    expect(outcome.problems).toEqual([
      {
        line: 5,
        message: expect.stringMatching(
          /^glibc 2\.12: 1 vulnerability\(ies\) on 1 host\(s\), but this fleet-wide list names no host/,
        ),
      },
    ]);
  });

  it('software versions for one named host: glibc 2.12 detected with CVE-2009-5155, fixed in 2.28, high', () => {
    const outcome = parseFleet(software, { hostname: 'centos6-build' });
    expect(outcome.problems).toEqual([]);
    expect(outcome.events).toEqual([
      {
        kind: 'detected',
        // counts_updated_at, printed without a zone by the docs: Fleet serves UTC.
        occurredAt: '2022-01-01T12:32:00.000Z',
        source: 'fleet',
        sourceEventId: 'centos6-build:fleet:1:CVE-2009-5155',
        asset: { hostname: 'centos6-build' },
        patch: { id: 'glibc@2.28', title: 'glibc 2.12', vendor: 'CentOS' },
        cveIds: ['CVE-2009-5155'],
        vendorSeverity: 'high',
        raw: {
          software: expect.objectContaining({ id: 1, name: 'glibc', release: '1.212.el6', arch: 'x86_64' }),
          vulnerability: expect.objectContaining({ cve: 'CVE-2009-5155', cvss_score: 7.5 }),
        },
      },
    ]);
  });

  it('vulnerability list (.jsonc with comments and a trailing comma): parsed, and reported as naming no host', () => {
    const outcome = parseFleet(read('list_vulnerabilities_response.example.jsonc'), { hostname: 'ignored' });
    expect(outcome.read).toBe(1);
    expect(outcome.events).toEqual([]);
    expect(outcome.problems).toEqual([
      { line: 3, message: expect.stringContaining('CVE-2022-30190 on 1234 host(s)') },
    ]);
  });

  it('OS versions (.jsonc): the docs example misses a comma after "count": 1, reported at its line', () => {
    const outcome = parseFleet(read('list_os_versions_response.example.jsonc'), { hostname: 'ws-01' });
    expect(outcome.events).toEqual([]);
    expect(outcome.problems).toEqual([
      { line: 3, message: expect.stringContaining("invalid JSON at line 3: expected ',' or '}'") },
    ]);
  });

  it('OS versions with the comma restored: Follina on the named host, no fix version known', () => {
    const fixed = read('list_os_versions_response.example.jsonc').replace('"count": 1\n', '"count": 1,\n');
    const outcome = parseFleet(fixed, { hostname: 'ws-01' });
    expect(outcome.problems).toEqual([]);
    expect(outcome.events.map((e) => [e.patch.id, e.cveIds, e.vendorSeverity, e.occurredAt])).toEqual([
      [
        'Microsoft Windows 11 Pro 23H2:CVE-2022-30190',
        ['CVE-2022-30190'],
        'high',
        '2023-12-06T22:17:30.000Z',
      ],
    ]);
  });
});

describe('fleet host responses', () => {
  const host = {
    host: {
      id: 7,
      hostname: 'mbp-ana.local',
      software_updated_at: '2024-02-01T10:00:00Z',
      software: [
        {
          id: 301,
          name: 'Google Chrome.app',
          version: '120.0.6099.109',
          source: 'apps',
          vulnerabilities: [
            {
              cve: 'CVE-2023-7024',
              created_at: '2023-12-21T09:12:00Z',
              cvss_score: 8.8,
              resolved_in_version: '120.0.6099.129',
            },
            { cve: 'cve-2024-0519', cvss_score: 9.6, resolved_in_version: '120.0.6099.224' },
            { cve: 'CVE-24-1', cvss_score: 5 },
          ],
        },
        {
          id: 302,
          name: 'curl',
          version: '8.4.0',
          vulnerabilities: [{ cve: 'CVE-2023-46218', cvss_score: null }],
        },
        { id: 303, name: 'zsh', version: '5.9', vulnerabilities: null },
      ],
    },
  };

  it('gives one detection per vulnerability on the host, created_at first, then software_updated_at', () => {
    const outcome = parseFleet(JSON.stringify(host, null, 2), {});
    expect(outcome.read).toBe(3);
    expect(
      outcome.events.map((e) => [e.asset.hostname, e.patch.id, e.cveIds, e.vendorSeverity, e.occurredAt]),
    ).toEqual([
      [
        'mbp-ana.local',
        'Google Chrome.app@120.0.6099.129',
        ['CVE-2023-7024'],
        'high',
        '2023-12-21T09:12:00.000Z',
      ],
      [
        'mbp-ana.local',
        'Google Chrome.app@120.0.6099.224',
        ['CVE-2024-0519'],
        'critical',
        '2024-02-01T10:00:00.000Z',
      ],
      ['mbp-ana.local', 'curl:CVE-2023-46218', ['CVE-2023-46218'], undefined, '2024-02-01T10:00:00.000Z'],
    ]);
    expect(outcome.problems).toEqual([
      { line: 24, message: 'Google Chrome.app: "CVE-24-1" is not a CVE id' },
    ]);
  });

  it('reads a list of hosts and reports hosts without a name or software', () => {
    const outcome = parseFleet(
      JSON.stringify({ hosts: [host.host, { id: 8, software: [] }, { id: 9, hostname: 'srv-9' }] }, null, 2),
      {},
    );
    expect(outcome.events).toHaveLength(3);
    expect(outcome.problems.map((p) => p.message)).toEqual([
      'Google Chrome.app: "CVE-24-1" is not a CVE id',
      'host entry without a hostname',
      'host srv-9 lists no software: fetch it with populate_software=true',
    ]);
  });

  it('survives truncated JSON, binary input, other JSON and a 1 MB line', () => {
    const text = JSON.stringify(host, null, 2);
    expect(parseFleet(text.slice(0, text.length / 2), {}).problems[0].message).toMatch(
      /invalid JSON at line \d+/,
    );
    expect(parseFleet('\u0000\u0000\u0000', {}).problems[0].message).toContain('binary');
    expect(parseFleet('[1, 2, 3]', {}).problems).toEqual([
      { line: 1, message: expect.stringContaining('expected a JSON object') },
    ]);
    expect(parseFleet('{"data": []}', {}).problems[0].message).toContain('not a Fleet response');
    expect(parseFleet(`{${' '.repeat(1 << 20)}x`, {}).problems[0].message).toContain(
      'invalid JSON at line 1',
    );
    expect(parseFleet(`{"software": [${'1,'.repeat(2000)}1]}`, {}).problems).toHaveLength(1000 + 1);
  });
});
