/**
 * Framework catalogs and the crosswalk are data (templates/frameworks/*.json) that a compliance person reviews
 * without reading TypeScript. They are validated once at start: a broken catalog stops the service with a message
 * naming the file, the control and the field, because a pack evaluated against a half-read catalog would be wrong
 * without anyone noticing. Each file's digest (SHA-256 of its RFC 8785 canonical JSON) goes into every pack, so a
 * reader can tell which catalog text a result was computed with.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import canonicalizeModule from 'canonicalize';
import { z } from 'zod';
import type {
  ControlRef,
  Crosswalk,
  CrosswalkRelationship,
  FrameworkCatalog,
  FrameworkId,
} from './control.types.js';
import { CONTROL_TEST_PARAMS, CONTROL_TEST_NAMES } from './control-test-params.js';

// canonicalize is CommonJS (`module.exports = fn`) with an ESM-style declaration file; under nodenext the default
// import is the function itself at run time.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const FRAMEWORK_IDS: FrameworkId[] = ['hipaa', 'pci-dss', 'sox-itgc', 'nist-800-53', 'cis-v8'];
export const CROSSWALK_FILE = 'crosswalk.json';
export const DEFAULT_FRAMEWORKS_DIR = 'templates/frameworks';

/** How each framework numbers its controls: a typo in an id is caught at start, not in an auditor's hands. */
const ID_PATTERNS: Record<FrameworkId, RegExp> = {
  hipaa: /^164\.\d{3}(\([A-Za-z0-9]+\))+$/,
  'pci-dss': /^\d{1,2}(\.\d{1,2}){1,3}$/,
  'sox-itgc': /^([A-Z]{3}\d{2}\.\d{2}|CC\d\.\d|AS \d{4}\.\d{2})$/,
  'nist-800-53': /^[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?$/,
  'cis-v8': /^\d{1,2}\.\d{1,2}$/,
};

export class FrameworkCatalogError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Framework catalog ${file} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'FrameworkCatalogError';
  }
}

export interface LoadedCatalog {
  file: string;
  catalog: FrameworkCatalog;
  digest: string;
}

export interface LoadedCrosswalk {
  file: string;
  crosswalk: Crosswalk;
  digest: string;
}

export interface FrameworkCatalogs {
  catalogs: Map<FrameworkId, LoadedCatalog>;
  crosswalk: LoadedCrosswalk;
}

const text = z.string().trim().min(1, 'must not be empty');
const version = z.string().regex(/^\d+(\.\d+){0,3}$/, 'must be a version such as 1.0.0');
const frameworkId = z.enum(['hipaa', 'pci-dss', 'sox-itgc', 'nist-800-53', 'cis-v8']);

const testRefSchema = z.strictObject({
  test: z.enum(CONTROL_TEST_NAMES as [string, ...string[]]),
  strength: z.enum(['direct', 'supporting', 'interpretive']),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const controlSchema = z.strictObject({
  id: text,
  title: text,
  summary: z
    .string()
    .trim()
    .min(40, 'must say in a sentence or two what the control asks (40 characters or more)'),
  citation: text,
  tests: z.array(testRefSchema).min(1, 'must list at least one test'),
  sourceIds: z.array(text).optional(),
});

const catalogSchema = z.strictObject({
  framework: frameworkId,
  name: text,
  frameworkVersion: text,
  catalogVersion: version,
  source: text.optional(),
  wording: text.optional(),
  controls: z.array(controlSchema).min(1, 'must list at least one control'),
});

const controlRefSchema = z.strictObject({ framework: frameworkId, controlId: text });

const crosswalkSchema = z.strictObject({
  crosswalkVersion: version,
  entries: z.array(
    z.strictObject({
      from: controlRefSchema,
      to: controlRefSchema,
      relationship: z.enum(['equivalent-to', 'subset-of', 'superset-of', 'intersects-with']),
      note: text,
    }),
  ),
});

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a parsed catalog or crosswalk file. */
export function catalogDigest(json: unknown): string {
  const canonical = canonicalize(json);
  if (canonical === undefined) throw new TypeError('catalog digest: the value has no JSON form');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function issuePath(p: PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

/** Where in the file a problem is: `control 6.3.3` when the path goes through a control, else the field path. */
function controlLabel(json: unknown, index: number): string {
  const controls = (json as { controls?: unknown } | null)?.controls;
  const id = Array.isArray(controls) ? (controls[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && id.trim() !== '' ? `control ${id}` : `controls[${index}]`;
}

function describeIssues(json: unknown, issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const [head, index, ...rest] = issue.path;
    if (head === 'controls' && typeof index === 'number') {
      const field = issuePath(rest);
      return `${controlLabel(json, index)}: ${field ? `${field}: ` : ''}${issue.message}`;
    }
    return `${issuePath(issue.path) || '(file)'}: ${issue.message}`;
  });
}

/** Validate one parsed catalog file; every problem is reported at once, each naming its control. */
export function parseFrameworkCatalog(json: unknown, file: string): FrameworkCatalog {
  const parsed = catalogSchema.safeParse(json);
  if (!parsed.success) throw new FrameworkCatalogError(file, describeIssues(json, parsed.error.issues));
  const catalog = parsed.data as FrameworkCatalog;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const control of catalog.controls) {
    const label = `control ${control.id}`;
    if (seen.has(control.id)) problems.push(`${label}: id appears more than once`);
    seen.add(control.id);
    if (!ID_PATTERNS[catalog.framework].test(control.id)) {
      problems.push(`${label}: id is not numbered the way ${catalog.framework} numbers its controls`);
    }
    control.tests.forEach((ref, i) => {
      const params = CONTROL_TEST_PARAMS[ref.test].safeParse(ref.params ?? {});
      if (!params.success) {
        for (const issue of params.error.issues) {
          const field = issuePath(['params', ...issue.path]);
          problems.push(`${label}: tests[${i}] (${ref.test}): ${field}: ${issue.message}`);
        }
      }
    });
  }
  if (problems.length > 0) throw new FrameworkCatalogError(file, problems);
  return catalog;
}

function refLabel(r: ControlRef): string {
  return `${r.framework} ${r.controlId}`;
}

/** Validate the crosswalk against the loaded catalogs: every control it names must exist. */
export function parseCrosswalk(
  json: unknown,
  file: string,
  catalogs: Map<FrameworkId, FrameworkCatalog>,
): Crosswalk {
  const parsed = crosswalkSchema.safeParse(json);
  if (!parsed.success) {
    throw new FrameworkCatalogError(
      file,
      parsed.error.issues.map((i) => `${issuePath(i.path) || '(file)'}: ${i.message}`),
    );
  }
  const crosswalk: Crosswalk = parsed.data;
  const problems: string[] = [];
  const pairs = new Set<string>();
  crosswalk.entries.forEach((e, i) => {
    for (const end of [e.from, e.to]) {
      const catalog = catalogs.get(end.framework);
      if (!catalog) problems.push(`entries[${i}]: no catalog loaded for framework ${end.framework}`);
      else if (!catalog.controls.some((c) => c.id === end.controlId)) {
        problems.push(`entries[${i}]: ${refLabel(end)}: no such control in the ${end.framework} catalog`);
      }
    }
    if (e.from.framework === e.to.framework)
      problems.push(`entries[${i}]: maps ${refLabel(e.from)} to its own framework`);
    const pair = [refLabel(e.from), refLabel(e.to)].sort().join(' ↔ ');
    if (pairs.has(pair)) problems.push(`entries[${i}]: ${pair} is mapped more than once`);
    pairs.add(pair);
  });
  if (problems.length > 0) throw new FrameworkCatalogError(file, problems);
  return crosswalk;
}

function readJson(file: string): unknown {
  let textContent: string;
  try {
    textContent = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FrameworkCatalogError(file, [`cannot be read: ${(err as Error).message}`]);
  }
  try {
    return JSON.parse(textContent) as unknown;
  } catch (err) {
    throw new FrameworkCatalogError(file, [`is not JSON: ${(err as Error).message}`]);
  }
}

/**
 * Load and validate every catalog in `dir` (one file per framework) and the crosswalk. Throws
 * FrameworkCatalogError on the first broken file, or when a framework has no catalog or two.
 */
export function loadFrameworkCatalogs(dir: string = path.resolve(DEFAULT_FRAMEWORKS_DIR)): FrameworkCatalogs {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new FrameworkCatalogError(dir, [`cannot be listed: ${(err as Error).message}`]);
  }
  const catalogs = new Map<FrameworkId, LoadedCatalog>();
  for (const name of names.filter((n) => n !== CROSSWALK_FILE)) {
    const file = path.join(dir, name);
    const json = readJson(file);
    const catalog = parseFrameworkCatalog(json, file);
    const other = catalogs.get(catalog.framework);
    if (other) {
      throw new FrameworkCatalogError(file, [
        `framework ${catalog.framework} already has a catalog in ${other.file}`,
      ]);
    }
    catalogs.set(catalog.framework, { file, catalog, digest: catalogDigest(json) });
  }
  const missing = FRAMEWORK_IDS.filter((f) => !catalogs.has(f));
  if (missing.length > 0)
    throw new FrameworkCatalogError(
      dir,
      missing.map((f) => `no catalog for framework ${f}`),
    );
  const crosswalkFile = path.join(dir, CROSSWALK_FILE);
  const crosswalkJson = readJson(crosswalkFile);
  const crosswalk = parseCrosswalk(
    crosswalkJson,
    crosswalkFile,
    new Map([...catalogs].map(([id, loaded]) => [id, loaded.catalog])),
  );
  return { catalogs, crosswalk: { file: crosswalkFile, crosswalk, digest: catalogDigest(crosswalkJson) } };
}

/** What a pack records about the catalog it was evaluated with (the pack's `CatalogRef`). */
export function catalogRef(loaded: LoadedCatalog): {
  framework: FrameworkId;
  name: string;
  frameworkVersion: string;
  catalogVersion: string;
  digest: string;
} {
  const { framework, name, frameworkVersion, catalogVersion } = loaded.catalog;
  return { framework, name, frameworkVersion, catalogVersion, digest: loaded.digest };
}

const INVERSE: Record<CrosswalkRelationship, CrosswalkRelationship> = {
  'equivalent-to': 'equivalent-to',
  'subset-of': 'superset-of',
  'superset-of': 'subset-of',
  'intersects-with': 'intersects-with',
};

/**
 * The controls of other frameworks a control maps to, read in both directions; `relationship` is always read
 * from `ref`'s side (an entry "A subset-of B" reads "B superset-of A" from B).
 */
export function crosswalkFor(
  crosswalk: Crosswalk,
  ref: ControlRef,
): { other: ControlRef; relationship: CrosswalkRelationship; note: string }[] {
  const same = (a: ControlRef): boolean => a.framework === ref.framework && a.controlId === ref.controlId;
  return crosswalk.entries.flatMap((e) => {
    if (same(e.from)) return [{ other: e.to, relationship: e.relationship, note: e.note }];
    if (same(e.to)) return [{ other: e.from, relationship: INVERSE[e.relationship], note: e.note }];
    return [];
  });
}
