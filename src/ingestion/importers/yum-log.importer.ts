/**
 * yum `/var/log/yum.log`: `Mon DD HH:MM:SS Installed|Updated|Erased: [epoch:]name-version-release.arch`, host-local
 * time with neither zone nor year. Needs options.timeZone, options.hostname and options.year (the year of the
 * first line); a month lower than the line before (Dec → Jan) moves to the next year, since the log is written
 * in order. Installed/Updated → `deployed` of `name@[epoch:]version-release`; Erased → `rolled_back`.
 * `Obsoleted:` is read, not imported: the package that obsoletes it is logged as Installed.
 * Old yum (RHEL 5/6) writes `Erased: name` without a version; the version is then the one this file last saw
 * installed, else the line is a problem: which patch was removed cannot be told. `read` counts lines.
 */
import type { EventDraft, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  eachLine,
  excerpt,
  hostSettings,
  joinProblems,
  fail,
  localToUtc,
  makeLocal,
  ok,
  runImport,
  sourceName,
  toRfc3339,
  type Checked,
  type Importer,
} from './importer-utils.js';

const FORMAT = 'yum-log';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE = /^([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2}) ([A-Za-z-]+): (\S+)$/;
const ARCHES = new Set([
  'x86_64',
  'i386',
  'i486',
  'i586',
  'i686',
  'noarch',
  'aarch64',
  'armv7hl',
  'armv6hl',
  'ppc64',
  'ppc64le',
  's390',
  's390x',
  'ia64',
  'src',
]);

export function parseYumLog(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  const settings = hostSettings(options, 'yum.log');
  const firstYear = yearOption(options);
  return runImport(input, (collector) => {
    const lastInstalled = new Map<string, string>();
    let year = firstYear.ok ? firstYear.value : 0;
    let previousMonth = 0;
    let previous: number | undefined;
    eachLine(input, collector, (text, line) => {
      if (text.trim() === '') return;
      const m = LINE.exec(text);
      const month = m ? MONTHS.indexOf(m[1]) + 1 : 0;
      if (!m || month === 0) {
        collector.problem(line, `not a yum.log line ("Mon DD HH:MM:SS Action: package"): ${excerpt(text)}`);
        return;
      }
      if (month < previousMonth) year += 1;
      previousMonth = month;
      const action = m[6];
      if (action === 'Obsoleted') return;
      if (action !== 'Installed' && action !== 'Updated' && action !== 'Erased') {
        collector.problem(line, `unknown yum action ${excerpt(action)}`);
        return;
      }
      const pkg = parseNevra(m[7]);
      let version = pkg.version;
      if (action === 'Erased') version ??= lastInstalled.get(pkg.name);
      else if (version !== undefined) lastInstalled.set(pkg.name, version);
      if (version === undefined) {
        collector.problem(
          line,
          action === 'Erased'
            ? `Erased: ${excerpt(pkg.name)} names no version and this file never saw it installed: which patch was removed is unknown`
            : `${action}: ${excerpt(m[7])} is not name-version-release.arch`,
        );
        return;
      }
      if (!settings.ok || !firstYear.ok) {
        collector.problem(line, joinProblems(settings, firstYear));
        return;
      }
      const { timeZone, hostname } = settings.value;
      const local = makeLocal(year, month, Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5]));
      if (!local) {
        collector.problem(line, `${m[1]} ${m[2].trim()} ${year} is not a date`);
        return;
      }
      const occurredAt = localToUtc(local, timeZone, previous);
      previous = occurredAt;
      const stamp = `${year}-${String(month).padStart(2, '0')}-${m[2].trim().padStart(2, '0')}T${m[3]}:${m[4]}:${m[5]}`;
      const draft: EventDraft = {
        kind: action === 'Erased' ? 'rolled_back' : 'deployed',
        occurredAt: toRfc3339(occurredAt),
        source,
        sourceEventId: `${hostname}:yum:${stamp}:${action.toLowerCase()}:${m[7]}`,
        asset: { hostname },
        patch: { id: `${pkg.name}@${version}`, title: m[7] },
        raw: text,
      };
      collector.event(draft);
    });
  });
}

function yearOption(options: ImporterOptions): Checked<number> {
  const year = options.year;
  if (year === undefined) return fail('no year: yum.log omits it; pass --year (the year of the first line)');
  return Number.isInteger(year) && year >= 1970 && year <= 9999
    ? ok(year)
    : fail(`year ${year} is not a valid year`);
}

/**
 * `[epoch:]name-version-release.arch` (yum) or `name-[epoch:]version-release.arch` (dnf) → name and
 * `[epoch:]version-release`; anything without a known arch is a bare package name. Split by the last dots and
 * dashes rather than one regular expression: names contain dashes, and a backtracking pattern over a long line
 * is slow.
 */
export function parseNevra(text: string): { name: string; version?: string } {
  const leading = /^(\d+):/.exec(text);
  const body = leading ? text.slice(leading[0].length) : text;
  const dot = body.lastIndexOf('.');
  const arch = dot === -1 ? '' : body.slice(dot + 1);
  const releaseDash = body.lastIndexOf('-', dot);
  const versionDash = releaseDash <= 0 ? -1 : body.lastIndexOf('-', releaseDash - 1);
  if (!ARCHES.has(arch) || versionDash <= 0) return { name: text };
  const name = body.slice(0, versionDash);
  let version = body.slice(versionDash + 1, releaseDash);
  const release = body.slice(releaseDash + 1, dot);
  let epoch = leading?.[1];
  const inner = /^(\d+):(.+)$/.exec(version);
  if (inner) {
    epoch = inner[1];
    version = inner[2];
  }
  if (!name || !version || !release) return { name: text };
  return { name, version: `${epoch !== undefined ? `${epoch}:` : ''}${version}-${release}` };
}

export const yumLogImporter: Importer = {
  format: FORMAT,
  description:
    'yum.log: installs, updates and erasures; needs --tz, --hostname and --year (the log has no year)',
  parse: parseYumLog,
};
