/**
 * What every importer shares: the importer shape, the problem log, line handling, time (host-local → UTC),
 * CVE and severity checks. Pure functions: no Nest, TypeORM or pg (STYLE.md, "the domain core").
 */
import type {
  EventDraft,
  ImportOutcome,
  ImportProblem,
  ImporterOptions,
  VendorSeverity,
} from '../patch-event.js';

export type Importer = {
  format: string;
  description: string;
  parse(input: string, options: ImporterOptions): ImportOutcome;
};

/** A result that carries a user-facing reason instead of throwing: importers never throw on bad content. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
export const fail = <T = never>(message: string): Checked<T> => ({ ok: false, message });

/**
 * A line (or record) longer than this is reported, not parsed: no real patch log has one, and a regular
 * expression over megabytes of garbage is where a parser stalls.
 */
export const MAX_RECORD_CHARS = 64 * 1024;

/**
 * Problems listed in full; the rest are counted in one closing problem. A binary file fed as text would
 * otherwise return hundreds of thousands of identical complaints.
 */
export const MAX_LISTED_PROBLEMS = 1000;

/** Collects what one import produced. `read` is set by the importer (lines or records, per format). */
export class ImportCollector {
  readonly events: EventDraft[] = [];
  private readonly problems: ImportProblem[] = [];
  private unlisted = 0;
  private lastLine = 1;
  read = 0;

  event(draft: EventDraft): void {
    this.events.push(draft);
  }

  problem(line: number, message: string): void {
    this.lastLine = Math.max(this.lastLine, line);
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push({ line, message });
    else this.unlisted += 1;
  }

  hasProblems(): boolean {
    return this.problems.length > 0;
  }

  outcome(): ImportOutcome {
    const problems = [...this.problems];
    if (this.unlisted > 0) {
      problems.push({
        line: this.lastLine,
        message: `${this.unlisted} more problems not listed (only the first ${MAX_LISTED_PROBLEMS} are)`,
      });
    }
    return { events: this.events, problems, read: this.read };
  }
}

/** Runs one import: unreadable input (empty, binary) is one problem; anything else goes to `body`. */
export function runImport(input: string, body: (collector: ImportCollector) => void): ImportOutcome {
  const collector = new ImportCollector();
  const unreadable = unreadableInputMessage(input);
  if (unreadable) collector.problem(1, unreadable);
  else body(collector);
  return collector.outcome();
}

/** A short, printable quotation of input for a problem message (never the whole megabyte line). */
export function excerpt(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD'));
}

export function tooLongMessage(length: number): string {
  return `line is ${length} characters long (limit ${MAX_RECORD_CHARS}): not a record of this format`;
}

/**
 * Input no importer can read: empty, or binary rather than text (gzip not decompressed, UTF-16 read as UTF-8, a
 * zip or database file). Binary is judged on the first line only: UTF-16 and binary formats have a NUL within
 * their first bytes, while a text log with zero-filled blocks after a crash still parses up to them.
 */
export function unreadableInputMessage(input: string): string | undefined {
  if (stripBom(input).trim() === '') return 'empty input: nothing to import';
  if (input.startsWith('\u001f\uFFFD') || input.startsWith('\u001f\u008b')) {
    return 'input is gzip-compressed: decompress it first (readMaybeGzip)';
  }
  const newline = input.indexOf('\n');
  const firstLine = input.slice(0, newline === -1 ? 512 : Math.min(newline, 512));
  if (firstLine.includes('\u0000'))
    return 'input is binary (NUL bytes), not text: wrong file or encoding (UTF-16?)';
  return undefined;
}

/** Splits text into lines (LF, CRLF or CR); drops a byte-order mark and the empty piece after a final newline. */
export function splitLines(input: string): string[] {
  const text = stripBom(input);
  if (text === '') return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Visits each line of a line-oriented log with its 1-based number; sets `read` to the line count. A line over
 * MAX_RECORD_CHARS is a problem and is not visited.
 */
export function eachLine(
  input: string,
  collector: ImportCollector,
  visit: (text: string, line: number) => void,
): void {
  const lines = splitLines(input);
  collector.read = lines.length;
  lines.forEach((text, i) => {
    if (text.length > MAX_RECORD_CHARS) collector.problem(i + 1, tooLongMessage(text.length));
    else visit(text, i + 1);
  });
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Maps a character offset to its 1-based line number (LF, CRLF and CR all end a line). */
export function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The `source` of produced events: what the caller named, else the importer's own name. */
export function sourceName(options: ImporterOptions, fallback: string): string {
  const named = options.source?.trim();
  return named ? named : fallback;
}

/** The hostname the caller gave, for formats that do not carry one. */
export function hostnameOption(options: ImporterOptions, format: string): Checked<string> {
  const host = options.hostname?.trim();
  return host ? ok(host) : fail(`no hostname: pass --hostname (a ${format} file does not name its host)`);
}

/** The messages of the settings that are missing or invalid, joined with "; ". */
export function joinProblems(...settings: Checked<unknown>[]): string {
  return settings.flatMap((setting) => (setting.ok ? [] : [setting.message])).join('; ');
}

/** Zone and host, for the host logs that carry neither (apt, dpkg, yum). */
export interface HostSettings {
  timeZone: string;
  hostname: string;
}

export function hostSettings(options: ImporterOptions, format: string): Checked<HostSettings> {
  const zone = timeZoneOption(options);
  const host = hostnameOption(options, format);
  return zone.ok && host.ok
    ? ok({ timeZone: zone.value, hostname: host.value })
    : fail(joinProblems(zone, host));
}

// ---------------------------------------------------------------------------------------------------------------
// Time. Every importer emits RFC 3339 UTC with millisecond precision (`2017-07-20T08:35:29.509Z`). Sub-millisecond
// digits are truncated, never rounded: rounding .9996 would move an event into the next second (or day).

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** A wall-clock time that exists on the calendar (Feb 29 only in leap years; no second 60). */
export function makeLocal(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
): LocalDateTime | undefined {
  const valid =
    Number.isInteger(year) &&
    year >= 1000 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59 &&
    millisecond >= 0 &&
    millisecond <= 999;
  return valid ? { year, month, day, hour, minute, second, millisecond } : undefined;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The wall-clock reading as if it were UTC: the starting point for zone arithmetic. */
function wallAsUtc(t: LocalDateTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
}

export function toRfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export interface ParsedTimestamp {
  local: LocalDateTime;
  /** Offset east of UTC in minutes, when the text carried one (`Z` = 0). */
  offsetMinutes?: number;
  /** The text gave a date only. */
  dateOnly: boolean;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,12}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]]` with an optional `Z` / `±HH[:MM]`. */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const local = makeLocal(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
  );
  if (!local) return undefined;
  const zone = m[8];
  if (zone === undefined) return { local, dateOnly: m[4] === undefined };
  if (zone.toUpperCase() === 'Z') return { local, offsetMinutes: 0, dateOnly: false };
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return { local, offsetMinutes: sign * (hours * 60 + minutes), dateOnly: false };
}

/** An RFC 3339 instant with an explicit offset; local times are refused here (no silent UTC guess). */
export function parseInstant(text: string): number | undefined {
  const parsed = parseTimestamp(text);
  if (!parsed || parsed.offsetMinutes === undefined) return undefined;
  return wallAsUtc(parsed.local) - parsed.offsetMinutes * 60_000;
}

/** A valid IANA zone, checked once per import. */
export type ZoneSetting = Checked<string>;

export function timeZoneOption(options: ImporterOptions): ZoneSetting {
  const zone = options.timeZone?.trim();
  if (!zone) {
    return fail(
      'no time zone: pass --tz (the IANA zone of the host, e.g. Europe/Berlin); local times are never guessed as UTC',
    );
  }
  try {
    formatterFor(zone);
    return ok(zone);
  } catch {
    return fail(`unknown time zone ${excerpt(zone)}: pass an IANA name such as Europe/Berlin`);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** UTC offset of `timeZone` at an instant, in ms (whole seconds: historical LMT offsets have seconds). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(epochMs);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(epochMs / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * Host-local wall-clock time → UTC epoch ms, with the offsets the zone had at that moment (Intl, tz database).
 *
 * DST resolves like Temporal's `disambiguation: 'compatible'` (and RFC 5545):
 * - a time inside a spring-forward **gap** (02:30 on the night clocks jump 02:00→03:00) never happened on the
 *   host; it is read with the offset before the jump, i.e. shifted forward by the gap (02:30 → 03:30 local);
 * - a time inside a fall-back **overlap** (01:30 happens twice) takes the earlier instant, unless `notBefore`
 *   (the previous record of the same chronological log) shows that the earlier one would run backwards, then
 *   the later one. Logs are written in order, so the second 01:30 of a night follows a 01:59 of the first.
 */
export function localToUtc(local: LocalDateTime, timeZone: string, notBefore?: number): number {
  const wall = wallAsUtc(local);
  const offsets = new Set([
    zoneOffsetMs(timeZone, wall - DAY_MS),
    zoneOffsetMs(timeZone, wall),
    zoneOffsetMs(timeZone, wall + DAY_MS),
  ]);
  const candidates = [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => zoneOffsetMs(timeZone, instant) === wall - instant)
    .sort((a, b) => a - b);
  if (candidates.length === 0) return wall - zoneOffsetMs(timeZone, wall - DAY_MS);
  if (notBefore !== undefined) {
    const inOrder = candidates.find((instant) => instant >= notBefore);
    if (inOrder !== undefined) return inOrder;
  }
  return candidates[0];
}

/** A timestamp with an offset as is; one without needs the zone setting (or is a problem). */
export function resolveTimestamp(
  parsed: ParsedTimestamp,
  zone: ZoneSetting,
  notBefore?: number,
): Checked<number> {
  if (parsed.offsetMinutes !== undefined) return ok(wallAsUtc(parsed.local) - parsed.offsetMinutes * 60_000);
  if (!zone.ok) return fail(zone.message);
  return ok(localToUtc(parsed.local, zone.value, notBefore));
}

// ---------------------------------------------------------------------------------------------------------------
// Vulnerability facts.

export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Splits a CVE list (`;`, `,` or whitespace), upper-cases ids and reports the first invalid one. */
export function parseCveList(text: string): Checked<string[]> {
  const ids = text
    .split(/[\s;,]+/)
    .filter((id) => id !== '')
    .map((id) => id.toUpperCase());
  const invalid = ids.find((id) => !CVE_ID.test(id));
  if (invalid !== undefined) return fail(`${excerpt(invalid)} is not a CVE id (CVE-YYYY-NNNN…)`);
  return ok([...new Set(ids)]);
}

/**
 * Vendor wording → our scale. `Important` is Microsoft's second tier (= high); `Unspecified` and empty mean the
 * vendor did not rate it, which is unknown (undefined), not `none`.
 */
export function severityFromLabel(label: string): Checked<VendorSeverity | undefined> {
  switch (label.trim().toLowerCase()) {
    case '':
    case 'unspecified':
    case 'unknown':
      return ok(undefined);
    case 'critical':
      return ok('critical');
    case 'important':
    case 'high':
      return ok('high');
    case 'moderate':
    case 'medium':
      return ok('medium');
    case 'low':
      return ok('low');
    case 'none':
    case 'informational':
      return ok('none');
    default:
      return fail(
        `unknown severity ${excerpt(label)} (expected Critical, Important/High, Moderate/Medium, Low)`,
      );
  }
}

/** CVSS base score bands (FIRST CVSS v3.1 §5): ≥9 critical, ≥7 high, ≥4 medium, >0 low, 0 none. */
export function severityFromCvss(score: number): VendorSeverity | undefined {
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

// ---------------------------------------------------------------------------------------------------------------
// Debian packages (apt history.log and dpkg.log name them the same way).

export interface DebianPackage {
  /** `openssl` */
  name: string;
  /** `amd64`, when written. */
  arch?: string;
  /** As written: `openssl:amd64`. */
  fullName: string;
}

const DEBIAN_PACKAGE = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?$/;
const DEBIAN_VERSION = /^[0-9A-Za-z.+~:_-]+$/;

export function parseDebianPackage(text: string): DebianPackage | undefined {
  const m = DEBIAN_PACKAGE.exec(text);
  if (!m) return undefined;
  return m[2] === undefined ? { name: m[1], fullName: text } : { name: m[1], arch: m[2], fullName: text };
}

export function isDebianVersion(text: string): boolean {
  return DEBIAN_VERSION.test(text);
}
