/**
 * Validators for the OSCAL v1.2.1 JSON schemas. Compiling the two schemas with Ajv takes about 0.8 s, which a
 * process paid on its first pack (every `patchproof packs` run, the demo, a fresh pack worker). `npm run build`
 * therefore also writes them as standalone code (`oscal-validators.generated.cjs` next to this module, Ajv's own
 * generator: the same checks), with the SHA-256 of the schema files they came from; a process loads them when the
 * schemas it is asked for have those digests, and compiles at run time otherwise (tests under ts-jest, edited
 * schemas).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import { _, Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneModule from 'ajv/dist/standalone/index.js';

export type OscalKind = 'assessment-results' | 'poam';

export const OSCAL_SCHEMA_FILES: Record<OscalKind, string> = {
  'assessment-results': 'oscal_assessment-results_schema.json',
  poam: 'oscal_poam_schema.json',
};
const KINDS = Object.keys(OSCAL_SCHEMA_FILES) as OscalKind[];

const GENERATED_FILE = 'oscal-validators.generated.cjs';

/**
 * NIST's patterns use Unicode property escapes (\p{L}): Ajv 8 compiles them with the `u` flag (its default).
 * strict: false because the schemas carry keywords Ajv's strict mode rejects (`$id` fragments in definitions).
 */
function oscalAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true, ...extra });
  // ajv-formats is CommonJS: under nodenext its default import is the module object.
  addFormatsModule.default(ajv);
  return ajv;
}

function schemaBytes(schemasDir: string, kind: OscalKind): Buffer {
  return readFileSync(path.resolve(schemasDir, OSCAL_SCHEMA_FILES[kind]));
}

const digestOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** One schema compiled at run time. */
export function compileOscalValidator(schemasDir: string, kind: OscalKind): ValidateFunction {
  return oscalAjv().compile(JSON.parse(schemaBytes(schemasDir, kind).toString('utf8')) as object);
}

/** CommonJS source of both validators (Ajv's standalone code) and the digests of the schemas they check. */
export function oscalValidatorsSource(schemasDir: string): string {
  const ajv = oscalAjv({
    code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  const refs: Record<string, string> = {};
  const digests: Record<string, string> = {};
  for (const kind of KINDS) {
    const bytes = schemaBytes(schemasDir, kind);
    const schema = JSON.parse(bytes.toString('utf8')) as { $id?: string };
    ajv.addSchema(schema, kind);
    refs[kind] = kind;
    digests[kind] = digestOf(bytes);
  }
  const code = standaloneModule.default(ajv, refs);
  return `${code}\nexports.schemaDigests = ${JSON.stringify(digests)};\n`;
}

/** Writes the standalone validators next to the compiled module (run by `npm run build`). */
export function writeOscalValidators(schemasDir: string, outFile = generatedPath()): string {
  writeFileSync(outFile, oscalValidatorsSource(schemasDir));
  return outFile;
}

function generatedPath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), GENERATED_FILE);
}

/**
 * The validators written by the build from schemas with these bytes, or null (none built, or other schemas). `file`
 * is for tests.
 */
export function precompiledOscalValidators(
  schemasDir: string,
  file = generatedPath(),
): Map<OscalKind, ValidateFunction> | null {
  if (!existsSync(file)) return null;
  // Evaluated as a CommonJS module whose `require` resolves from this package (Ajv's runtime and ajv-formats), wherever
  // the file is.
  const module = { exports: {} as Record<string, unknown> };
  const body = compileFunction(readFileSync(file, 'utf8'), ['require', 'module', 'exports'], {
    filename: file,
  });
  body(createRequire(import.meta.url), module, module.exports);
  const loaded = module.exports as Record<string, ValidateFunction> & {
    schemaDigests?: Record<string, string>;
  };
  const validators = new Map<OscalKind, ValidateFunction>();
  for (const kind of KINDS) {
    if (loaded.schemaDigests?.[kind] !== digestOf(schemaBytes(schemasDir, kind))) return null;
    const validate = loaded[kind];
    if (typeof validate !== 'function') return null;
    validators.set(kind, validate);
  }
  return validators;
}
