/**
 * Fleet (fleetdm) REST API responses → `detected` events, one per vulnerability of a software on a host, with
 * the CVE, a severity from `cvss_score` (Fleet Premium; absent on Fleet Free) and patch id
 * `name@resolved_in_version` (the version that fixes it). Without a known fix the item is the CVE on that
 * software: `name:CVE-…`. Comments and trailing commas (the `.jsonc` of Fleet's docs) are accepted.
 *
 * Which responses name a host, and so can become events:
 * - `GET /api/v1/fleet/hosts/:id` → `{ host: { hostname, software: [ { …, vulnerabilities } ] } }`;
 * - `GET /api/v1/fleet/hosts?populate_software=true` → `{ hosts: [ … the same … ] }`.
 * The fleet-wide lists (`{ software: [] }` of /software/versions, `{ os_versions: [] }`) carry only a
 * `hosts_count`: an event needs an asset, so they produce events only when the caller says which host the list
 * is for (options.hostname: a team of one host, or a host-filtered export); otherwise each vulnerable entry is a
 * problem that says so. `{ vulnerabilities: [] }` (/vulnerabilities) names neither hosts nor software: reported.
 *
 * Time: the vulnerability's `created_at` (when Fleet first saw it on the host), else the host's
 * `software_updated_at`, else the response's `counts_updated_at` ("detected no later than"). Fleet serves UTC;
 * its docs print some times without the `Z` (`2022-01-01 12:32:00`), which are read as UTC for that reason.
 * `read` counts software entries (or OS versions, or vulnerabilities of a vulnerability list).
 */
import type { EventDraft, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  CVE_ID,
  excerpt,
  ok,
  parseTimestamp,
  resolveTimestamp,
  severityFromCvss,
  sourceName,
  toRfc3339,
  type ImportCollector,
  type Importer,
} from './importer-utils.js';
import { isRecord, runJsonImport, stringField, type JsoncDocument } from './jsonc-reader.js';

const FORMAT = 'fleet';
const FLEET_ZONE = ok('UTC');

interface Scope {
  doc: JsoncDocument;
  collector: ImportCollector;
  source: string;
  /** The host the entries are on; undefined for a fleet-wide list without options.hostname. */
  hostname: string | undefined;
  /** Fallback detection time (ms) when a vulnerability has no `created_at`. */
  seenAt: number | undefined;
}

export function parseFleet(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  return runJsonImport(input, (doc, collector) => {
    const response = doc.value;
    if (!isRecord(response)) {
      collector.problem(1, 'not a Fleet API response: expected a JSON object');
      return;
    }
    const countsAt = fleetTime(response['counts_updated_at']);
    const scope = (hostname: string | undefined, seenAt: number | undefined): Scope => ({
      doc,
      collector,
      source,
      hostname,
      seenAt,
    });
    const hosts = isRecord(response['host']) ? [response['host']] : response['hosts'];
    if (Array.isArray(hosts)) {
      hosts.forEach((host, i) => {
        const name = isRecord(host)
          ? (stringField(host, 'hostname') ??
            stringField(host, 'computer_name') ??
            stringField(host, 'display_name'))
          : undefined;
        if (!isRecord(host) || !name) {
          collector.problem(doc.lineOf(hosts, i), 'host entry without a hostname');
          return;
        }
        const software = host['software'];
        if (!Array.isArray(software)) {
          collector.problem(
            doc.lineOf(host),
            `host ${name} lists no software: fetch it with populate_software=true`,
          );
          return;
        }
        readSoftware(software, scope(name, fleetTime(host['software_updated_at']) ?? countsAt), 'name');
      });
      return;
    }
    const hostname = options.hostname?.trim() || undefined;
    if (Array.isArray(response['software'])) {
      readSoftware(response['software'], scope(hostname, countsAt), 'name');
    } else if (Array.isArray(response['os_versions'])) {
      readSoftware(response['os_versions'], scope(hostname, countsAt), 'name_only');
    } else if (Array.isArray(response['vulnerabilities'])) {
      const list = response['vulnerabilities'];
      list.forEach((vulnerability, i) => {
        collector.read += 1;
        const cve = isRecord(vulnerability) ? stringField(vulnerability, 'cve') : undefined;
        const count = isRecord(vulnerability) ? stringField(vulnerability, 'hosts_count') : undefined;
        collector.problem(
          doc.lineOf(list, i),
          `${cve ?? 'vulnerability'} on ${count ?? 'some'} host(s): Fleet's vulnerability list names neither the hosts nor the software; export each host (GET /api/v1/fleet/hosts/:id)`,
        );
      });
    } else {
      collector.problem(
        1,
        'not a Fleet response this importer reads: expected host, hosts, software, os_versions or vulnerabilities',
      );
    }
  });
}

/** Each software (or OS version) entry, with each of its vulnerabilities → a detected event. */
function readSoftware(entries: unknown[], scope: Scope, nameKey: 'name' | 'name_only'): void {
  const { doc, collector } = scope;
  entries.forEach((entry, i) => {
    collector.read += 1;
    const line = doc.lineOf(entries, i);
    if (!isRecord(entry)) {
      collector.problem(line, 'a software entry is not an object');
      return;
    }
    const name = stringField(entry, nameKey) ?? stringField(entry, 'name');
    const version = stringField(entry, 'version');
    const vulnerabilities = entry['vulnerabilities'];
    if (vulnerabilities === null || vulnerabilities === undefined) return;
    if (!Array.isArray(vulnerabilities)) {
      collector.problem(line, `${name ?? 'software'}: "vulnerabilities" is not a list`);
      return;
    }
    if (vulnerabilities.length === 0) return;
    if (!name) {
      collector.problem(line, 'a software entry without a name');
      return;
    }
    const hostname = scope.hostname;
    if (!hostname) {
      collector.problem(
        line,
        `${name} ${version ?? ''}: ${vulnerabilities.length} vulnerability(ies) on ${stringField(entry, 'hosts_count') ?? 'some'} host(s), but this fleet-wide list names no host: export each host (GET /api/v1/fleet/hosts/:id), or pass --hostname if the list covers one host`,
      );
      return;
    }
    const { vulnerabilities: _listed, ...software } = entry;
    vulnerabilities.forEach((vulnerability, v) => {
      const event = detection(vulnerability, { name, version, software }, hostname, scope);
      if (typeof event === 'string') collector.problem(doc.lineOf(vulnerabilities, v), `${name}: ${event}`);
      else collector.event(event);
    });
  });
}

function detection(
  vulnerability: unknown,
  software: { name: string; version: string | undefined; software: Record<string, unknown> },
  hostname: string,
  scope: Scope,
): EventDraft | string {
  if (!isRecord(vulnerability)) return 'a vulnerability entry is not an object';
  const cve = stringField(vulnerability, 'cve')?.toUpperCase();
  if (!cve || !CVE_ID.test(cve)) return `${excerpt(cve ?? '')} is not a CVE id`;
  const createdAt = vulnerability['created_at'];
  const at = createdAt === undefined ? scope.seenAt : fleetTime(createdAt);
  if (at === undefined) {
    return `${cve}: no detection time (no created_at, software_updated_at or counts_updated_at, or not a time)`;
  }
  const score = vulnerability['cvss_score'];
  const severity = typeof score === 'number' ? severityFromCvss(score) : undefined;
  const fixedIn = stringField(vulnerability, 'resolved_in_version');
  const softwareKey = stringField(software.software, 'id') ?? `${software.name}@${software.version ?? ''}`;
  const vendor = stringField(software.software, 'vendor');
  return {
    kind: 'detected',
    occurredAt: toRfc3339(at),
    source: scope.source,
    sourceEventId: `${hostname}:fleet:${softwareKey}:${cve}`,
    asset: { hostname },
    patch: {
      id: fixedIn ? `${software.name}@${fixedIn}` : `${software.name}:${cve}`,
      title: software.version ? `${software.name} ${software.version}` : software.name,
      ...(vendor ? { vendor } : {}),
    },
    cveIds: [cve],
    ...(severity !== undefined ? { vendorSeverity: severity } : {}),
    raw: { software: software.software, vulnerability },
  };
}

/** A Fleet timestamp → epoch ms; Fleet serves UTC, so a time printed without an offset is UTC. */
function fleetTime(value: unknown): number | undefined {
  const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
  if (!parsed || parsed.dateOnly) return undefined;
  const instant = resolveTimestamp(parsed, FLEET_ZONE);
  return instant.ok ? instant.value : undefined;
}

export const fleetImporter: Importer = {
  format: FORMAT,
  description:
    'Fleet (fleetdm) host or software JSON: one detected event per vulnerability of installed software on a host',
  parse: parseFleet,
};
