/**
 * `manifest.json`: what the pack is (client, period, as-of, policy, catalogs, query), what it holds (every file with
 * its SHA-256 and size) and what it covers (ledger head, counts), as canonical JSON (RFC 8785) so the signed bytes
 * are reproducible from the parsed object by anyone.
 */
import canonicalizeModule from 'canonicalize';
import type { FrameworkId } from '../controls/control.types.js';
import type { EvidencePackContent, Provenance } from './pack-content.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'patchproof-evidence-pack';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestFile {
  name: string;
  sha256: string;
  size: number;
}

/** The pack's own counts beside the provenance counts: how many rows each file holds. */
export type PackCounts = Provenance['counts'] & {
  casesCsvRows: number;
  eventsCsvRows: number;
  eventsXlsxRows: number;
  /** The XLSX Events sheet stops at the cap; events.csv.gz always holds every event. */
  eventsXlsxCapped: boolean;
};

export interface PackManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  packId: string;
  tenant: { id: string; name: string };
  client: { id: string; name: string; timeZone: string };
  /** ISO 8601 UTC; `to` is exclusive. */
  period: { from: string; to: string; label: string };
  asOf: string;
  generatedAt: string;
  frameworks: FrameworkId[];
  policy: {
    key: string;
    name: string;
    version: number;
    effectiveFrom: string;
    clock: string;
    dayKind: string;
    digest: string;
  };
  catalogs: EvidencePackContent['catalogs'];
  query: Provenance['query'];
  sources: Provenance['sources'];
  vulnerabilityFeeds: Provenance['vulnerabilityFeeds'];
  ledger: Provenance['ledger'];
  counts: PackCounts;
  generator: Provenance['generator'];
  signature: {
    /** SHA-256 of the signing certificate's DER (see signing-keys.ts). */
    keyId: string;
    certificateFile: string;
    manifestSignatureFile: string;
    /** What the PDF's own signature is, honestly labelled (not PAdES). */
    pdfSubFilter: string;
  };
  /** Every file of the pack except the manifest and its signature, by name. */
  files: ManifestFile[];
}

export interface BuildManifestInput {
  content: EvidencePackContent;
  files: ManifestFile[];
  keyId: string;
  counts: PackCounts;
  ledger: Provenance['ledger'];
  certificateFile?: string;
  manifestSignatureFile?: string;
  pdfSubFilter?: string;
}

// `canonicalize` is CommonJS (`module.exports = serialize`) typed as an ES default export: under nodenext the
// default import is the function at run time but `{ default }` to the type checker.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as (input: unknown) => string | undefined;

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export function buildManifest(input: BuildManifestInput): PackManifest {
  const { content } = input;
  const names = new Set<string>();
  for (const file of input.files) {
    if (names.has(file.name)) throw new Error(`manifest: file ${file.name} listed twice`);
    if (!/^[0-9a-f]{64}$/.test(file.sha256))
      throw new Error(`manifest: ${file.name} has no SHA-256 hex digest`);
    names.add(file.name);
  }
  const { policy } = content;
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    packId: content.packId,
    tenant: { id: content.tenant.id, name: content.tenant.name },
    client: { id: content.client.id, name: content.client.name, timeZone: content.client.timeZone },
    period: { from: iso(content.period.from), to: iso(content.period.to), label: content.periodLabel },
    asOf: iso(content.asOf),
    generatedAt: iso(content.generatedAt),
    frameworks: [...content.frameworks],
    policy: {
      key: policy.key,
      name: policy.name,
      version: policy.version,
      effectiveFrom: policy.effectiveFrom,
      clock: policy.clock,
      dayKind: policy.dayKind,
      digest: policy.digest,
    },
    catalogs: content.catalogs.map((catalog) => ({ ...catalog })),
    query: content.provenance.query,
    sources: content.provenance.sources,
    vulnerabilityFeeds: content.provenance.vulnerabilityFeeds,
    ledger: input.ledger,
    counts: input.counts,
    generator: content.provenance.generator,
    signature: {
      keyId: input.keyId,
      certificateFile: input.certificateFile ?? 'signing-cert.pem',
      manifestSignatureFile: input.manifestSignatureFile ?? 'manifest.json.p7s',
      pdfSubFilter: input.pdfSubFilter ?? 'adbe.pkcs7.detached',
    },
    files: [...input.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** RFC 8785 bytes (UTF-8): what is written as manifest.json and what is signed. */
export function canonicalManifestBytes(manifest: PackManifest): Buffer {
  const text = canonicalize(manifest);
  if (text === undefined) throw new Error('manifest: nothing to serialize');
  return Buffer.from(text, 'utf8');
}

/** Parses manifest.json and checks the shape a verifier relies on; throws naming the first problem. */
export function parseManifest(bytes: Buffer): PackManifest {
  const parsed = JSON.parse(bytes.toString('utf8')) as Partial<PackManifest>;
  if (parsed.format !== MANIFEST_FORMAT) throw new Error(`format is not ${MANIFEST_FORMAT}`);
  if (parsed.formatVersion !== MANIFEST_FORMAT_VERSION) {
    throw new Error(`format version ${String(parsed.formatVersion)} is not supported`);
  }
  if (!Array.isArray(parsed.files)) throw new Error('no files list');
  for (const file of parsed.files as unknown[]) {
    const entry = file as Partial<ManifestFile>;
    if (
      typeof entry.name !== 'string' ||
      typeof entry.sha256 !== 'string' ||
      typeof entry.size !== 'number'
    ) {
      throw new Error('a files entry lacks name, sha256 or size');
    }
  }
  if (typeof parsed.signature?.keyId !== 'string') throw new Error('no signature.keyId');
  return parsed as PackManifest;
}
