/**
 * SLA policies as reviewed data (templates/policies/*.json): loading with validation, the version in force for
 * an item, its due date, and the digest that pins the version a pack used.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import canonicalizeModule from 'canonicalize';

import { SEVERITIES, type Severity } from '../vulnerabilities/vulnerability-facts.js';
import { DAY_MS } from './remediation-case.fold.js';
import type { CaseFigures } from './remediation-case.js';
import type { ClockAnchor, SlaPolicy, SlaPolicyVersion } from './sla-policy.types.js';

type Canonicalize = (input: unknown) => string | undefined;
// `canonicalize` is CommonJS with typings that say `export default`: under nodenext TypeScript types the default
// import as the namespace, while Node hands over `module.exports`, the function itself. Accept either.
const canonicalize: Canonicalize =
  typeof canonicalizeModule === 'function' ? canonicalizeModule : canonicalizeModule.default;

const CLOCKS: readonly ClockAnchor[] = ['release', 'publication', 'detection', 'kev_added'];
const DAY_KINDS: readonly SlaPolicyVersion['dayKind'][] = ['calendar', 'business'];
const VERSION_FIELDS = [
  'version',
  'name',
  'effectiveFrom',
  'clock',
  'dayKind',
  'days',
  'kevDueDateWins',
  'description',
  'source',
];

/** A template a compliance person edited is wrong: name the file and the field so they can fix it. */
export class PolicyTemplateError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${file}: ${field} ${reason}`);
    this.name = 'PolicyTemplateError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  // Rejects 2025-02-30, which Date.parse would roll over to March.
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

function text(obj: Record<string, unknown>, field: string, file: string, path: string): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PolicyTemplateError(file, `${path}${field}`, 'must be a non-empty string');
  }
  return value;
}

function oneOf<T extends string>(
  obj: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  file: string,
  path: string,
): T {
  const value = obj[field];
  if (!allowed.includes(value as T)) {
    throw new PolicyTemplateError(
      file,
      `${path}${field}`,
      `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as T;
}

function parseVersion(value: unknown, key: string, file: string, path: string): SlaPolicyVersion {
  if (!isRecord(value)) throw new PolicyTemplateError(file, path.slice(0, -1), 'must be an object');
  for (const field of Object.keys(value)) {
    // A misspelt field ("dayKnd") would otherwise silently fall back to nothing.
    if (!VERSION_FIELDS.includes(field))
      throw new PolicyTemplateError(file, `${path}${field}`, 'is not a known field');
  }
  const version = value.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new PolicyTemplateError(
      file,
      `${path}version`,
      `must be a positive integer (got ${JSON.stringify(version)})`,
    );
  }
  if (!isIsoDate(value.effectiveFrom)) {
    throw new PolicyTemplateError(
      file,
      `${path}effectiveFrom`,
      `must be a date YYYY-MM-DD (got ${JSON.stringify(value.effectiveFrom)})`,
    );
  }
  if (!isRecord(value.days))
    throw new PolicyTemplateError(file, `${path}days`, 'must be an object of days per severity');
  const days: Partial<Record<Severity, number>> = {};
  for (const [severity, n] of Object.entries(value.days)) {
    if (!SEVERITIES.includes(severity as Severity)) {
      throw new PolicyTemplateError(
        file,
        `${path}days.${severity}`,
        `is not a severity (${SEVERITIES.join(', ')})`,
      );
    }
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new PolicyTemplateError(
        file,
        `${path}days.${severity}`,
        `must be a positive integer (got ${JSON.stringify(n)})`,
      );
    }
    days[severity as Severity] = n;
  }
  if (typeof value.kevDueDateWins !== 'boolean') {
    throw new PolicyTemplateError(file, `${path}kevDueDateWins`, 'must be true or false');
  }
  return {
    key,
    name: text(value, 'name', file, path),
    version,
    effectiveFrom: value.effectiveFrom,
    clock: oneOf(value, 'clock', CLOCKS, file, path),
    dayKind: oneOf(value, 'dayKind', DAY_KINDS, file, path),
    days,
    kevDueDateWins: value.kevDueDateWins,
    description: text(value, 'description', file, path),
    source: text(value, 'source', file, path),
  };
}

/**
 * One policy with all its versions, from a template file's JSON: `{ key, versions: [...] }`, each version without
 * `key` (the file's key is written into it). Versions must be listed oldest first, numbered upwards, with strictly
 * later effective dates: a new version is appended, history is never rewritten.
 */
export function parseSlaPolicy(json: unknown, file: string): SlaPolicy {
  if (!isRecord(json)) throw new PolicyTemplateError(file, '(root)', 'must be an object');
  for (const field of Object.keys(json)) {
    if (field !== 'key' && field !== 'versions')
      throw new PolicyTemplateError(file, field, 'is not a known field');
  }
  const key = text(json, 'key', file, '');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(key)) {
    throw new PolicyTemplateError(
      file,
      'key',
      `must be lower-case letters, digits, dots and dashes (got "${key}")`,
    );
  }
  if (!Array.isArray(json.versions) || json.versions.length === 0) {
    throw new PolicyTemplateError(file, 'versions', 'must be a non-empty array');
  }
  const versions = json.versions.map((v, i) => parseVersion(v, key, file, `versions[${i}].`));
  for (let i = 1; i < versions.length; i++) {
    if (versions[i].version <= versions[i - 1].version) {
      throw new PolicyTemplateError(
        file,
        `versions[${i}].version`,
        'must be greater than the version before it',
      );
    }
    if (versions[i].effectiveFrom <= versions[i - 1].effectiveFrom) {
      throw new PolicyTemplateError(
        file,
        `versions[${i}].effectiveFrom`,
        'must be later than the version before it',
      );
    }
  }
  return { key, versions };
}

/** Every `*.json` in `dir`, ordered by key; a file's name must be its key (`pci-dss-6.3.3.json`). */
export function loadPolicyTemplates(dir: string): SlaPolicy[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const policies = files.map((name) => {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new PolicyTemplateError(file, '(file)', `is not valid JSON: ${(err as Error).message}`);
    }
    const policy = parseSlaPolicy(json, file);
    if (`${policy.key}.json` !== name) {
      throw new PolicyTemplateError(file, 'key', `"${policy.key}" must match the file name ${name}`);
    }
    return policy;
  });
  return policies.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function effectiveFromMs(version: SlaPolicyVersion): number {
  return Date.parse(`${version.effectiveFrom}T00:00:00Z`);
}

/**
 * The version in force for an item detected at `detectedAt`: the latest whose effective date (00:00 UTC) is at or
 * before it. Items detected before the first version are measured against the first version. An item with no
 * detection time also gets the first version: that choice never changes when a version is added, so old packs
 * reproduce (callers that know when the item was first seen should pass that instead).
 */
export function policyVersionFor(policy: SlaPolicy, detectedAt: number | undefined): SlaPolicyVersion {
  const versions = versionsByDate(policy);
  if (versions.length === 0) throw new Error(`policy ${policy.key} has no version`);
  let chosen = versions[0].version;
  if (detectedAt === undefined) return chosen;
  for (const v of versions) if (v.from <= detectedAt) chosen = v.version;
  return chosen;
}

/**
 * A policy's versions by effective date, computed once per policy object (it is called for every case of every
 * request). Keyed on the `versions` array: a caller that replaces it gets a fresh order.
 */
const sortedVersions = new WeakMap<
  readonly SlaPolicyVersion[],
  { from: number; version: SlaPolicyVersion }[]
>();

function versionsByDate(policy: SlaPolicy): { from: number; version: SlaPolicyVersion }[] {
  let sorted = sortedVersions.get(policy.versions);
  if (!sorted || sorted.length !== policy.versions.length) {
    sorted = policy.versions
      .map((version) => ({ from: effectiveFromMs(version), version }))
      .sort((a, b) => a.from - b.from);
    sortedVersions.set(policy.versions, sorted);
  }
  return sorted;
}

export interface DueDate {
  /** Epoch ms: the last instant that still counts as on time. Undefined: no deadline. */
  dueAt?: number;
  /** What set the deadline, or why there is none: shown next to every breach. */
  basis: string;
}

const ANCHOR_LABEL: Record<ClockAnchor, string> = {
  release: 'release',
  publication: 'publication',
  detection: 'detection',
  kev_added: 'KEV dateAdded',
};

const MISSING_ANCHOR: Record<ClockAnchor, string> = {
  release: 'no release date',
  publication: 'no CVE publication date',
  detection: 'no detection date',
  kev_added: 'no KEV dateAdded',
};

/** The policy's clock start for a case, or undefined when the case lacks that timestamp. */
export function clockStart(c: CaseFigures, clock: ClockAnchor): number | undefined {
  switch (clock) {
    case 'release':
      return c.releasedAt;
    case 'publication':
      return c.publishedAt;
    case 'detection':
      return c.detectedAt;
    case 'kev_added':
      return c.kevAddedAt;
  }
}

/**
 * The latest instant any policy's clock can start for this case (release, publication, detection or KEV listing),
 * or its first event when later: with `maxDueSpanMs`, a bound on every due date a policy can give it.
 */
export function latestClockAnchor(c: CaseFigures): number | undefined {
  const known = [c.releasedAt, c.publishedAt, c.detectedAt, c.kevAddedAt, c.firstEventAt].filter(
    (t): t is number => t !== undefined,
  );
  return known.length === 0 ? undefined : Math.max(...known);
}

/** Per severity: an upper bound on (due date − clock start) in ms; absent when no version sets a deadline. */
export type DueSpans = Partial<Record<Severity, number>>;

/**
 * For each severity, an upper bound on (due date − clock start) under any version of a policy: its longest
 * deadline in calendar days (N business days take at most 7 × (⌊N/5⌋ + 1) calendar days), plus the due day's end
 * and a day of margin.
 */
export function maxDueSpansMs(policy: SlaPolicy | SlaPolicyVersion): DueSpans {
  const versions = 'versions' in policy ? policy.versions : [policy];
  const spans: DueSpans = {};
  for (const v of versions) {
    for (const [severity, days] of Object.entries(v.days) as [Severity, number | undefined][]) {
      if (days === undefined) continue;
      const calendarDays = v.dayKind === 'business' ? 7 * (Math.floor(days / 5) + 1) : days;
      spans[severity] = Math.max(spans[severity] ?? 0, (calendarDays + 2) * DAY_MS);
    }
  }
  return spans;
}

function endOfUtcDayOf(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS + DAY_MS - 1;
}

/**
 * `start` plus `days` calendar days, or plus `days` business days (Monday to Friday in UTC: each step to a weekday
 * counts, so Friday + 1 is Monday and Saturday + 1 is Monday). US federal holidays are not modelled.
 */
export function addDays(start: number, days: number, dayKind: SlaPolicyVersion['dayKind']): number {
  if (dayKind === 'calendar') return start + days * DAY_MS;
  let t = start;
  let left = days;
  while (left > 0) {
    t += DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return t;
}

function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The due date of a case under one policy version. The policy deadline is the end of the UTC day reached from the
 * clock start (every cited rule counts whole days: "within 30 days" is met all through the 30th day). A KEV item
 * takes the catalog's `dueDate` (end of that UTC day) when the version says so and it is earlier, or when the
 * policy gives no deadline of its own. No clock start or no days for the severity: no deadline, and the basis says
 * why.
 */
export function dueDate(caseObj: CaseFigures, policyVersion: SlaPolicyVersion): DueDate {
  const { key, version, clock, dayKind } = policyVersion;
  const label = `policy ${key} v${version}`;
  const severity = caseObj.severity.severity;
  const days = policyVersion.days[severity];
  const start = clockStart(caseObj, clock);

  let policyDue: DueDate;
  if (clock === 'kev_added' && !caseObj.kev) {
    policyDue = { basis: `${label}: not a KEV item` };
  } else if (days === undefined) {
    policyDue = { basis: `${label}: no deadline for ${severity}` };
  } else if (start === undefined) {
    policyDue = { basis: `${label}: ${MISSING_ANCHOR[clock]}` };
  } else {
    const unit = dayKind === 'business' ? ' business days' : 'd';
    policyDue = {
      dueAt: endOfUtcDayOf(addDays(start, days, dayKind)),
      basis: `${label} (${ANCHOR_LABEL[clock]} + ${days}${unit})`,
    };
  }

  const kevDue = caseObj.kev && policyVersion.kevDueDateWins ? caseObj.kevDueAt : undefined;
  if (kevDue !== undefined && (policyDue.dueAt === undefined || kevDue < policyDue.dueAt)) {
    return { dueAt: kevDue, basis: `KEV dueDate ${isoDay(kevDue)}` };
  }
  return policyDue;
}

/** SHA-256 (hex) of the version's RFC 8785 canonical JSON: what a pack cites to pin the policy it used. */
export function policyDigest(version: SlaPolicyVersion): string {
  const canonical = canonicalize(version);
  if (canonical === undefined)
    throw new Error(`policy ${version.key} v${version.version} cannot be canonicalized`);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
