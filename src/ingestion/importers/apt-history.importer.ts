/**
 * apt `/var/log/apt/history.log` (and its rotated `history.log.N.gz`, decompressed with readMaybeGzip): one
 * stanza per apt run, blank-line separated:
 *
 *   Start-Date: 2024-03-12  06:25:01          host-local time, no zone: needs options.timeZone
 *   Commandline: /usr/bin/unattended-upgrade
 *   Requested-By: alice (1000)                → actor (absent for unattended runs)
 *   Upgrade: openssl:amd64 (3.0.2-0ubuntu1.14, 3.0.2-0ubuntu1.15), …   (current, candidate) as apt writes them
 *   Error: Sub-process /usr/bin/dpkg returned an error code (1)
 *   End-Date: 2024-03-12  06:25:09            → occurredAt: the change is complete by then
 *
 * Install/Upgrade → `deployed` of `pkg@new`; Downgrade (current, candidate) → `rolled_back` of the version being
 * left; Remove/Purge → `rolled_back` of the version that was installed. With an Error line, the run's
 * Install/Upgrade packages are `failed` with the error text. Reinstall keeps the same version: read, no event.
 * `read` counts lines.
 */
import type { EventDraft, EventKind, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  eachLine,
  excerpt,
  hostSettings,
  isDebianVersion,
  localToUtc,
  parseDebianPackage,
  parseTimestamp,
  runImport,
  sourceName,
  toRfc3339,
  type Checked,
  type DebianPackage,
  type HostSettings,
  type ImportCollector,
  type Importer,
} from './importer-utils.js';

const FORMAT = 'apt-history';

const ACTIONS = ['Install', 'Upgrade', 'Downgrade', 'Remove', 'Purge', 'Reinstall'] as const;
type Action = (typeof ACTIONS)[number];

interface Field {
  value: string;
  line: number;
}

interface Stanza {
  line: number;
  lines: string[];
  fields: Map<string, Field>;
}

export function parseAptHistory(input: string, options: ImporterOptions): ImportOutcome {
  return runImport(input, (collector) => {
    const context = new StanzaContext(options, collector);
    let stanza: Stanza | undefined;
    eachLine(input, collector, (text, line) => {
      if (text.trim() === '') {
        if (stanza) context.finish(stanza);
        stanza = undefined;
        return;
      }
      const m = /^([A-Za-z][A-Za-z-]*):(?: (.*))?$/.exec(text);
      if (!m) {
        collector.problem(line, `not a "Key: value" line of apt history: ${excerpt(text)}`);
        return;
      }
      const key = m[1];
      // A Start-Date without the blank line before it still starts a run (files joined with `cat`).
      if (stanza && key === 'Start-Date') {
        context.finish(stanza);
        stanza = undefined;
      }
      stanza ??= { line, lines: [], fields: new Map() };
      stanza.lines.push(text);
      if (stanza.fields.has(key)) collector.problem(line, `${key} appears twice in one apt run`);
      else stanza.fields.set(key, { value: (m[2] ?? '').trim(), line });
    });
    if (stanza) context.finish(stanza);
  });
}

class StanzaContext {
  private readonly source: string;
  private readonly settings: Checked<HostSettings>;
  /** End of the previous run: orders a time that a DST fall-back makes ambiguous. */
  private previous: number | undefined;

  constructor(
    options: ImporterOptions,
    private readonly collector: ImportCollector,
  ) {
    this.source = sourceName(options, FORMAT);
    this.settings = hostSettings(options, 'apt history.log');
  }

  finish(stanza: Stanza): void {
    const { collector } = this;
    const start = stanza.fields.get('Start-Date');
    if (!start) {
      collector.problem(stanza.line, 'apt run without a Start-Date (file cut at the top?): not imported');
      return;
    }
    const end = stanza.fields.get('End-Date');
    const { settings } = this;
    if (!settings.ok) {
      collector.problem(stanza.line, settings.message);
      return;
    }
    const { timeZone, hostname } = settings.value;
    const startLocal = parseAptDate(start.value);
    if (!startLocal) {
      collector.problem(start.line, `Start-Date ${excerpt(start.value)} is not "YYYY-MM-DD  HH:MM:SS"`);
      return;
    }
    if (!end) {
      collector.problem(
        stanza.line,
        'apt run without an End-Date (interrupted, or the file is cut): its outcome is unknown, not imported',
      );
      return;
    }
    const endLocal = parseAptDate(end.value);
    if (!endLocal) {
      collector.problem(end.line, `End-Date ${excerpt(end.value)} is not "YYYY-MM-DD  HH:MM:SS"`);
      return;
    }
    const startedAt = localToUtc(startLocal.local, timeZone, this.previous);
    const endedAt = localToUtc(endLocal.local, timeZone, startedAt);
    this.previous = endedAt;

    const error = stanza.fields.get('Error')?.value;
    const actor = requestedBy(stanza.fields.get('Requested-By')?.value);
    const raw = stanza.lines.join('\n');
    for (const [key, field] of stanza.fields) {
      const action = ACTIONS.find((name) => name === key);
      if (action === undefined) continue;
      const entries = parseEntries(field.value);
      if (typeof entries === 'string') {
        collector.problem(field.line, `${action}: ${entries}`);
        continue;
      }
      if (error !== undefined && (action === 'Downgrade' || action === 'Remove' || action === 'Purge')) {
        // A failed run may or may not have removed these: claiming the rollback, or claiming nothing, would
        // both be guesses in an audit trail. dpkg.log of the same minutes says which packages changed.
        collector.problem(
          field.line,
          `apt reported an error in this run, so whether the ${action.toLowerCase()} of ${entries.length} package(s) took effect is unknown: import dpkg.log for this run`,
        );
        continue;
      }
      for (const entry of entries) {
        const change = changeOf(action, entry, error);
        if (typeof change === 'string') {
          collector.problem(field.line, `${action}: ${change}`);
          continue;
        }
        if (!change) continue;
        const draft: EventDraft = {
          kind: change.kind,
          occurredAt: toRfc3339(endedAt),
          source: this.source,
          // From what apt wrote, not from the zone: re-importing with a corrected --tz keeps the ids.
          sourceEventId: `${hostname}:apt:${startLocal.text}:${action.toLowerCase()}:${entry.pkg.fullName}`,
          asset: { hostname },
          patch: {
            id: `${entry.pkg.name}@${change.version}`,
            title: `${entry.pkg.fullName} ${change.version}`,
          },
          ...(actor !== undefined ? { actor } : {}),
          ...(change.kind === 'failed' && error ? { errorCode: error } : {}),
          raw,
        };
        collector.event(draft);
      }
    }
  }
}

interface Entry {
  pkg: DebianPackage;
  versions: string[];
}

/** `pkg:arch (v1, v2), pkg2:arch (v[, automatic])` → entries, or why not. */
function parseEntries(value: string): Entry[] | string {
  const entries: Entry[] = [];
  const entry = /\s*([^\s(),]+) \(([^()]*)\)\s*(?:,|$)/y;
  let pos = 0;
  while (pos < value.length) {
    entry.lastIndex = pos;
    const m = entry.exec(value);
    if (!m) return `cannot read the package list at ${excerpt(value.slice(pos))}`;
    const pkg = parseDebianPackage(m[1]);
    if (!pkg) return `${excerpt(m[1])} is not a package name`;
    entries.push({ pkg, versions: m[2].split(',').map((v) => v.trim()) });
    pos = entry.lastIndex;
  }
  if (entries.length === 0) return 'no packages listed';
  return entries;
}

/** What one package line means for its remediation item; `undefined` = no change of version. */
function changeOf(
  action: Action,
  entry: Entry,
  error: string | undefined,
): { kind: EventKind; version: string } | undefined | string {
  const [first, second, ...rest] = entry.versions;
  const shape = (ok: boolean, expected: string) =>
    ok ? undefined : `${entry.pkg.fullName} has (${entry.versions.join(', ')}), expected (${expected})`;
  const versionProblem = (version: string) =>
    isDebianVersion(version) ? undefined : `${excerpt(version)} is not a package version`;
  switch (action) {
    case 'Install': {
      const bad = shape(
        !!first && rest.length === 0 && (second === undefined || second === 'automatic'),
        'version[, automatic]',
      );
      if (bad || !first) return bad;
      return versionProblem(first) ?? { kind: error !== undefined ? 'failed' : 'deployed', version: first };
    }
    case 'Upgrade': {
      const bad = shape(!!first && !!second && rest.length === 0, 'old, new');
      if (bad || !second) return bad;
      return versionProblem(second) ?? { kind: error !== undefined ? 'failed' : 'deployed', version: second };
    }
    case 'Downgrade': {
      // apt writes (current, candidate): the first is the version being left, the patch rolled back.
      const bad = shape(!!first && !!second && rest.length === 0, 'current, candidate');
      if (bad || !first) return bad;
      return versionProblem(first) ?? { kind: 'rolled_back', version: first };
    }
    case 'Remove':
    case 'Purge': {
      const bad = shape(!!first && second === undefined, 'version');
      if (bad || !first) return bad;
      return versionProblem(first) ?? { kind: 'rolled_back', version: first };
    }
    case 'Reinstall':
      return undefined;
  }
}

/** `2024-03-12  06:25:01` (apt writes two spaces; one is accepted too). */
function parseAptDate(value: string) {
  const m = /^(\d{4}-\d{2}-\d{2}) {1,2}(\d{2}:\d{2}:\d{2})$/.exec(value);
  const local = m ? parseTimestamp(`${m[1]}T${m[2]}`)?.local : undefined;
  return m && local ? { local, text: `${m[1]}T${m[2]}` } : undefined;
}

/** `alice (1000)` → `alice`. */
function requestedBy(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^(.*)\(\d+\)$/.exec(value)?.[1]?.trim() || value;
}

export const aptHistoryImporter: Importer = {
  format: FORMAT,
  description:
    'apt history.log (plain or rotated .gz): upgrades, installs, downgrades, removals; needs --tz and --hostname',
  parse: parseAptHistory,
};
