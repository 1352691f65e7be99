/**
 * CISA Known Exploited Vulnerabilities catalog → KevEntry. KEV membership outranks every other severity signal and
 * its `dueDate` is a deadline, so the feed is read defensively: schema-checked, trimmed, every date verified.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

import type { KevEntry } from './vulnerability-facts.js';

/** The CVE id pattern of CISA's schema (the number part may be longer than four digits). */
export const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

/** `YYYY.MM.DD`: compared as text to order catalog versions. */
const CATALOG_VERSION = /^\d{4}\.\d{2}\.\d{2}$/;

export interface KevProblem {
  /** Index in `vulnerabilities`, or -1 for the catalog itself. */
  index: number;
  message: string;
}

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  entries: KevEntry[];
  problems: KevProblem[];
}

/** True for a real calendar date written `YYYY-MM-DD` (Date.parse alone rolls 2025-02-30 over to March). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/**
 * CISA's JSON Schema for the catalog (CC0), as published next to the feed. It declares draft-07 but refers to
 * `#/$defs/vulnerability`: Ajv's draft-07 mode resolves that JSON pointer like any other, so it is used unchanged.
 * A test keeps this copy equal to ../shared/realdata/kev/known_exploited_vulnerabilities_schema.json.
 */
export const KEV_CATALOG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  title: 'CISA Catalog of Known Exploited Vulnerabilities',
  description:
    'A catalog of known exploited vulnerabilities that carry significant risk to the federal enterprise',
  url: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog',
  properties: {
    catalogVersion: { description: 'Version of the known exploited vulnerabilities catalog', type: 'string' },
    dateReleased: {
      description: 'Date-time of Catalog Release in the format YYYY-MM-DDTHH:mm:ss.sssZ',
      type: 'string',
      format: 'date-time',
    },
    count: { description: 'Total number of Known Exploited Vulnerabilities in the catalog', type: 'integer' },
    vulnerabilities: {
      description: 'The exploited vulnerabilities included in this catalog',
      type: 'array',
      items: { $ref: '#/$defs/vulnerability' },
    },
  },
  required: ['catalogVersion', 'dateReleased', 'count', 'vulnerabilities'],
  $defs: {
    vulnerability: {
      type: 'object',
      properties: {
        cveID: {
          description:
            'The CVE ID of the vulnerability in the format CVE-YYYY-NNNN, note that the number portion can have more than 4 digits',
          type: 'string',
          pattern: '^CVE-[0-9]{4}-[0-9]{4,19}$',
        },
        vendorProject: { description: 'The vendor or project name for the vulnerability', type: 'string' },
        product: { description: 'The vulnerability product', type: 'string' },
        vulnerabilityName: { description: 'The name of the vulnerability', type: 'string' },
        dateAdded: {
          description: 'The date the vulnerability was added to the catalog in the format YYYY-MM-DD',
          type: 'string',
          format: 'date',
        },
        shortDescription: { description: 'A short description of the vulnerability', type: 'string' },
        requiredAction: { description: 'The required action to address the vulnerability', type: 'string' },
        dueDate: {
          description: 'The date the required action is due in the format YYYY-MM-DD',
          type: 'string',
          format: 'date',
        },
        knownRansomwareCampaignUse: {
          description:
            "'Known' if this vulnerability is known to have been leveraged as part of a ransomware campaign; 'Unknown' if CISA lacks confirmation that the vulnerability has been utilized for ransomware",
          type: 'string',
        },
        notes: { description: 'Any additional notes about the vulnerability', type: 'string' },
        cwes: {
          description:
            'Common Weakness Enumeration (CWE) codes associated with this vulnerability. CWEs are in the format CWE-NNNN; note that the number portion can have any number of digits',
          type: 'array',
          items: { type: 'string', pattern: '^CWE-([0-9])+$' },
        },
      },
      required: [
        'cveID',
        'vendorProject',
        'product',
        'vulnerabilityName',
        'dateAdded',
        'shortDescription',
        'requiredAction',
        'dueDate',
      ],
    },
  },
} as const;

let compiled: ValidateFunction | undefined;

function kevSchemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under nodenext its default import is the module object.
    addFormatsModule.default(ajv);
    compiled = ajv.compile(KEV_CATALOG_SCHEMA);
  }
  return compiled;
}

const TEXT_FIELDS = ['vendorProject', 'product', 'vulnerabilityName'] as const;

/**
 * Parses the catalog (parsed JSON or its text). Entries that fail a check are left out and reported; the rest get
 * the catalog's version as `catalogVersion` (use `mergeKevCatalogs` to keep the version that first listed them).
 */
export function parseKevCatalog(input: unknown): KevCatalog {
  const problems: KevProblem[] = [];
  let data = input;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (error) {
      problems.push({ index: -1, message: `not JSON: ${(error as Error).message}` });
      return { catalogVersion: '', dateReleased: '', entries: [], problems };
    }
  }

  const validate = kevSchemaValidator();
  // Fields the schema already complained about, so the checks below do not report them twice.
  const reported = new Set<string>();
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const { index, field, message } = describeSchemaError(error);
      reported.add(`${index}/${field}`);
      problems.push({ index, message: `schema: ${message}` });
    }
  }

  const catalog = isObject(data) ? data : {};
  const catalogVersion = trimmed(catalog.catalogVersion) ?? '';
  const dateReleased = trimmed(catalog.dateReleased) ?? '';
  const list = Array.isArray(catalog.vulnerabilities) ? catalog.vulnerabilities : [];
  if (!CATALOG_VERSION.test(catalogVersion)) {
    problems.push({
      index: -1,
      message: `catalogVersion ${JSON.stringify(catalog.catalogVersion)} is not YYYY.MM.DD: no entry can be attributed to a version`,
    });
    return { catalogVersion, dateReleased, entries: [], problems };
  }
  if (typeof catalog.count === 'number' && catalog.count !== list.length) {
    problems.push({
      index: -1,
      message: `count says ${catalog.count} but ${list.length} entries are listed`,
    });
  }

  const entries: KevEntry[] = [];
  const seen = new Set<string>();
  list.forEach((raw, index) => {
    const report = (field: string, message: string): void => {
      if (!reported.has(`${index}/${field}`)) problems.push({ index, message });
    };
    const entry = parseEntry(raw, catalogVersion, report);
    if (!entry) return;
    if (seen.has(entry.cveId)) {
      problems.push({ index, message: `${entry.cveId} is listed twice; the first listing is kept` });
      return;
    }
    seen.add(entry.cveId);
    if (entry.dueDate < entry.dateAdded) {
      // Entries carried over from earlier directives were due before the catalog existed: kept as published.
      problems.push({
        index,
        message: `${entry.cveId}: dueDate ${entry.dueDate} is before dateAdded ${entry.dateAdded} (kept as published)`,
      });
    }
    entries.push(entry);
  });
  return { catalogVersion, dateReleased, entries, problems };
}

function parseEntry(
  raw: unknown,
  catalogVersion: string,
  report: (field: string, message: string) => void,
): KevEntry | undefined {
  if (!isObject(raw)) {
    report('', 'entry is not an object');
    return undefined;
  }
  let ok = true;
  const cveId = trimmed(raw.cveID);
  if (cveId === undefined || !CVE_ID.test(cveId)) {
    report('cveID', `cveID ${JSON.stringify(raw.cveID)} is not a CVE id`);
    ok = false;
  }
  const label = cveId ?? 'entry';
  const dates: Record<'dateAdded' | 'dueDate', string> = { dateAdded: '', dueDate: '' };
  for (const field of ['dateAdded', 'dueDate'] as const) {
    const value = trimmed(raw[field]);
    if (value === undefined || !isCalendarDate(value)) {
      report(field, `${label}: ${field} ${JSON.stringify(raw[field])} is not a YYYY-MM-DD date`);
      ok = false;
    } else {
      dates[field] = value;
    }
  }
  const text: Record<(typeof TEXT_FIELDS)[number], string> = {
    vendorProject: '',
    product: '',
    vulnerabilityName: '',
  };
  for (const field of TEXT_FIELDS) {
    const value = trimmed(raw[field]);
    if (value === undefined) {
      report(field, `${label}: ${field} is missing`);
      ok = false;
    } else {
      text[field] = value;
    }
  }
  if (!ok || cveId === undefined) return undefined;
  return {
    cveId,
    ...text,
    ...dates,
    // Absent means CISA has no confirmation of ransomware use, which is what `Unknown` says.
    knownRansomwareCampaignUse: trimmed(raw.knownRansomwareCampaignUse) ?? 'Unknown',
    catalogVersion,
  };
}

function describeSchemaError(error: ErrorObject): { index: number; field: string; message: string } {
  const path = error.instancePath.split('/').slice(1);
  const missing = error.keyword === 'required' ? String(error.params.missingProperty) : '';
  if (path[0] === 'vulnerabilities' && path.length >= 2) {
    const field = path[2] ?? missing;
    const at = path.slice(2).join('/') || '(entry)';
    return { index: Number(path[1]), field, message: `${at} ${error.message ?? error.keyword}` };
  }
  const at = error.instancePath || '(catalog)';
  return { index: -1, field: path[0] ?? missing, message: `${at} ${error.message ?? error.keyword}` };
}

export interface KevMerge {
  entries: KevEntry[];
  /** CVEs the incoming catalog lists for the first time. */
  added: string[];
  /** Existing entries whose published fields changed (e.g. ransomware use now `Known`, a corrected due date). */
  changed: { cveId: string; fields: string[] }[];
  /** Existing entries the incoming catalog does not list: kept, for a person to confirm a CISA removal. */
  notInIncoming: string[];
}

const COMPARED_FIELDS = [
  'vendorProject',
  'product',
  'vulnerabilityName',
  'dateAdded',
  'dueDate',
  'knownRansomwareCampaignUse',
] as const;

/**
 * Applies a newer catalog to the entries known so far. The incoming fields win (CISA corrects due dates and
 * ransomware use), but `catalogVersion` stays the version that first listed the entry: that is when the
 * obligation became known. Entries missing from the incoming catalog are kept and reported, never dropped: a
 * parse problem in one file must not silently end a KEV deadline, and CISA removals are rare enough to apply by hand.
 */
export function mergeKevCatalogs(
  existing: readonly KevEntry[],
  incoming: Pick<KevCatalog, 'catalogVersion' | 'entries'>,
): KevMerge {
  const newest = existing.reduce((max, e) => (e.catalogVersion > max ? e.catalogVersion : max), '');
  if (incoming.catalogVersion < newest) {
    throw new RangeError(
      `KEV catalog ${incoming.catalogVersion} is older than entries already listed by ${newest}: apply catalogs oldest first`,
    );
  }
  const known = new Map(existing.map((e) => [e.cveId, e]));
  const listed = new Set<string>();
  const result: KevMerge = { entries: [], added: [], changed: [], notInIncoming: [] };
  for (const entry of incoming.entries) {
    listed.add(entry.cveId);
    const before = known.get(entry.cveId);
    if (!before) {
      result.added.push(entry.cveId);
      result.entries.push({ ...entry, catalogVersion: incoming.catalogVersion });
      continue;
    }
    const fields = COMPARED_FIELDS.filter((field) => before[field] !== entry[field]);
    if (fields.length > 0) result.changed.push({ cveId: entry.cveId, fields });
    result.entries.push({ ...entry, catalogVersion: before.catalogVersion });
  }
  for (const entry of existing) {
    if (!listed.has(entry.cveId)) {
      result.notInIncoming.push(entry.cveId);
      result.entries.push(entry);
    }
  }
  return result;
}

function trimmed(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
