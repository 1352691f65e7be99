/**
 * dpkg `/var/log/dpkg.log`: one line per dpkg step, host-local time without a zone (needs options.timeZone and
 * options.hostname):
 *
 *   2024-03-12 06:25:03 upgrade openssl:amd64 3.0.2-0ubuntu1.14 3.0.2-0ubuntu1.15
 *   2024-03-12 06:25:06 status installed openssl:amd64 3.0.2-0ubuntu1.15
 *
 * One rule, so nothing is counted twice: `install`/`upgrade` to a newer version is `deployment_started`, and the
 * `status installed` of that same package and version is the `deployed` confirmation. `status installed` also
 * follows every trigger run (`trigproc`) and re-configure without any change of version: without a pending
 * install/upgrade it is no deployment. An upgrade that never reaches `status installed` (a failing postinst
 * leaves it half-configured) stays "started": dpkg.log writes no error line to call it failed.
 *
 * dpkg logs a downgrade as `upgrade pkg new old`, so versions are compared (Debian ordering): an upgrade to an
 * older version is the `rolled_back` of the version left. `remove` is the `rolled_back` of the version removed.
 * `purge` is read but not imported: dpkg logs `remove` first for an installed package, and purging the
 * configuration files of an already-removed package changes no exposure. An install/upgrade whose unpack is at
 * the end of one rotated file and whose `status installed` opens the next stays "started": import the files as
 * one text (oldest first) to join them. `read` counts lines.
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
  type DebianPackage,
  type Importer,
} from './importer-utils.js';

const FORMAT = 'dpkg-log';

const LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (\S+)(?: (.*))?$/;

/** Lines read and passed over: they change no patch state. */
const PASSED_OVER = new Set(['startup', 'configure', 'trigproc', 'conffile', 'purge']);

export function parseDpkgLog(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  const settings = hostSettings(options, 'dpkg.log');
  return runImport(input, (collector) => {
    /** `pkg:arch` → version unpacked by an install/upgrade and not yet confirmed installed. */
    const pending = new Map<string, string>();
    let previous: number | undefined;
    eachLine(input, collector, (text, line) => {
      if (text.trim() === '') return;
      const m = LINE.exec(text);
      if (!m) {
        collector.problem(line, `not a dpkg.log line ("YYYY-MM-DD HH:MM:SS action …"): ${excerpt(text)}`);
        return;
      }
      const action = m[3];
      const args = (m[4] ?? '').split(' ');
      const change = readChange(action, args, pending);
      if (typeof change === 'string') {
        collector.problem(line, change);
        return;
      }
      if (!change) return;
      const local = parseTimestamp(`${m[1]}T${m[2]}`)?.local;
      if (!local) {
        collector.problem(line, `${m[1]} ${m[2]} is not a valid date and time`);
        return;
      }
      if (!settings.ok) {
        collector.problem(line, settings.message);
        return;
      }
      const { timeZone, hostname } = settings.value;
      const occurredAt = localToUtc(local, timeZone, previous);
      previous = occurredAt;
      const draft: EventDraft = {
        kind: change.kind,
        occurredAt: toRfc3339(occurredAt),
        source,
        // From what dpkg wrote, not from the zone: a re-import with a corrected --tz keeps the ids.
        sourceEventId: `${hostname}:dpkg:${m[1]}T${m[2]}:${change.step}:${change.pkg.fullName}:${change.version}`,
        asset: { hostname },
        patch: {
          id: `${change.pkg.name}@${change.version}`,
          title: `${change.pkg.fullName} ${change.version}`,
        },
        raw: text,
      };
      collector.event(draft);
    });
  });
}

interface Change {
  kind: EventKind;
  step: string;
  pkg: DebianPackage;
  version: string;
}

/** What one dpkg line means; `undefined` = read, no event; a string = why the line cannot be read. */
function readChange(
  action: string,
  args: string[],
  pending: Map<string, string>,
): Change | undefined | string {
  const expect = (count: number, shape: string) =>
    args.length === count ? undefined : `dpkg ${action} line should read "${action} ${shape}"`;
  switch (action) {
    case 'install':
    case 'upgrade': {
      const bad = expect(3, 'pkg:arch old new');
      if (bad) return bad;
      const [name, from, to] = args as [string, string, string];
      const pkg = parseDebianPackage(name);
      if (!pkg) return `${excerpt(name)} is not a package name`;
      if (!isDebianVersion(to) || (from !== '<none>' && !isDebianVersion(from))) {
        return `${excerpt(`${from} ${to}`)} are not package versions`;
      }
      const order = from === '<none>' ? 1 : compareDebianVersions(to, from);
      if (order === 0) return undefined; // same version unpacked again: a reinstall changes nothing
      if (order < 0) return { kind: 'rolled_back', step: 'downgrade', pkg, version: from };
      pending.set(pkg.fullName, to);
      return { kind: 'deployment_started', step: action, pkg, version: to };
    }
    case 'remove': {
      const bad = expect(3, 'pkg:arch version <none>');
      if (bad) return bad;
      const pkg = parseDebianPackage(args[0]);
      if (!pkg || !isDebianVersion(args[1])) return `${excerpt(args.join(' '))} is not a package and version`;
      pending.delete(pkg.fullName);
      return { kind: 'rolled_back', step: 'remove', pkg, version: args[1] };
    }
    case 'status': {
      const bad = expect(3, 'state pkg:arch version');
      if (bad) return bad;
      const [state, name, version] = args as [string, string, string];
      const pkg = parseDebianPackage(name);
      if (!pkg) return `${excerpt(name)} is not a package name`;
      if (state !== 'installed' || pending.get(pkg.fullName) !== version) return undefined;
      pending.delete(pkg.fullName);
      return { kind: 'deployed', step: 'installed', pkg, version };
    }
    default:
      return PASSED_OVER.has(action) ? undefined : `unknown dpkg action ${excerpt(action)}`;
  }
}

/**
 * Debian version ordering (deb-version(7), dpkg's verrevcmp): epoch numerically, then upstream version and
 * revision compared in alternating non-digit / digit runs, where `~` sorts before anything, even the end.
 */
export function compareDebianVersions(a: string, b: string): number {
  const split = (version: string) => {
    const colon = version.indexOf(':');
    const epoch = colon > 0 && /^\d+$/.test(version.slice(0, colon)) ? Number(version.slice(0, colon)) : 0;
    const rest = colon > 0 ? version.slice(colon + 1) : version;
    const dash = rest.lastIndexOf('-');
    return dash === -1
      ? { epoch, upstream: rest, revision: '' }
      : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
  };
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return Math.sign(verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision));
}

function verrevcmp(a: string, b: string): number {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const order = (c: string | undefined) => {
    if (c === undefined || isDigit(c)) return 0;
    if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
    if (c === '~') return -1;
    return c.charCodeAt(0) + 256;
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const diff = order(a[i]) - order(b[j]);
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

export const dpkgLogImporter: Importer = {
  format: FORMAT,
  description: 'dpkg.log: confirmed installs/upgrades, downgrades and removals; needs --tz and --hostname',
  parse: parseDpkgLog,
};
