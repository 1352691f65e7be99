/**
 * Verifies a pack archive with nothing but the archive and the certificates the verifier trusts: the manifest's
 * signature, every file's SHA-256 and size against the manifest, no file missing or added, the PDF's own
 * signature, and that one key signed it all. Each check names the file it is about, so a failed verification says
 * exactly what changed.
 *
 * The `signing-cert.pem` inside the pack is never trusted by itself (anyone can put a certificate in a zip): trust
 * comes from `trustedCerts`, e.g. the keyring or a certificate the MSP published.
 */
import { basename } from 'node:path';
import { X509Certificate, createHash } from 'node:crypto';
import { DomainError } from '../errors.js';
import { DEFAULT_ARCHIVE_LIMITS, readPackArchive, type ArchiveEntry, type ArchiveLimits } from './archive.js';
import { MANIFEST_FILE, parseManifest, type PackManifest } from './manifest.js';
import type { TrustedCertificate } from './signing/cms.js';
import { MANIFEST_SIGNATURE_FILE, verifyManifestSignature } from './signing/manifest-signer.js';
import { verifyPdfSignature } from './signing/pdf-signer.js';

export interface PackCheck {
  file: string;
  check:
    | 'archive'
    | 'present'
    | 'manifest-signature'
    | 'manifest-format'
    | 'sha256'
    | 'listed'
    | 'pdf-signature'
    | 'key-id';
  ok: boolean;
  detail: string;
}

export interface PackVerification {
  ok: boolean;
  checks: PackCheck[];
  /** Present when the manifest parsed (trusted only if the manifest-signature check passed). */
  manifest?: PackManifest;
  /** Key id of the manifest's signer, when the signature could be read. */
  keyId?: string;
}

const KEPT = (name: string) =>
  name === MANIFEST_FILE ||
  name === MANIFEST_SIGNATURE_FILE ||
  name.endsWith('.pdf') ||
  name.endsWith('.pem');

export async function verifyPack(
  archivePath: string,
  trustedCerts: readonly TrustedCertificate[],
  options: { limits?: ArchiveLimits } = {},
): Promise<PackVerification> {
  const checks: PackCheck[] = [];
  const result = (extra: Partial<PackVerification> = {}): PackVerification => ({
    ok: checks.length > 0 && checks.every((check) => check.ok),
    checks,
    ...extra,
  });

  let entries: ArchiveEntry[];
  try {
    entries = await readPackArchive(archivePath, options.limits ?? DEFAULT_ARCHIVE_LIMITS, { keep: KEPT });
  } catch (error) {
    if (!(error instanceof DomainError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    checks.push({
      file: basename(archivePath),
      check: 'archive',
      ok: false,
      detail: (error as Error).message,
    });
    return result();
  }
  const byName = new Map(entries.map((entry) => [entry.name, entry]));

  const manifestEntry = byName.get(MANIFEST_FILE);
  const signatureEntry = byName.get(MANIFEST_SIGNATURE_FILE);
  for (const [name, entry] of [
    [MANIFEST_FILE, manifestEntry],
    [MANIFEST_SIGNATURE_FILE, signatureEntry],
  ] as const) {
    if (!entry) checks.push({ file: name, check: 'present', ok: false, detail: 'missing from the archive' });
  }
  if (!manifestEntry?.data || !signatureEntry?.data) return result();

  // The signature first: until it verifies, nothing the manifest says can be relied on.
  const signature = verifyManifestSignature(manifestEntry.data, signatureEntry.data, trustedCerts);
  checks.push({
    // A digest mismatch over an intact signature means the manifest changed; any other failure is the signature's.
    file: signature.failure === 'content-digest' ? MANIFEST_FILE : MANIFEST_SIGNATURE_FILE,
    check: 'manifest-signature',
    ok: signature.ok,
    detail: signature.ok
      ? signature.detail
      : `${signature.detail}; the other files cannot be checked against an unverified manifest`,
  });
  const keyId = signature.signer?.keyId;

  let manifest: PackManifest;
  try {
    manifest = parseManifest(manifestEntry.data);
  } catch (error) {
    checks.push({
      file: MANIFEST_FILE,
      check: 'manifest-format',
      ok: false,
      detail: (error as Error).message,
    });
    return result({ keyId });
  }
  if (!signature.ok) return result({ manifest, keyId });

  if (manifest.signature.keyId !== keyId) {
    checks.push({
      file: MANIFEST_FILE,
      check: 'key-id',
      ok: false,
      detail: `the manifest names key ${manifest.signature.keyId} but was signed by ${keyId}`,
    });
  }

  const listed = new Set(manifest.files.map((file) => file.name));
  for (const file of manifest.files) {
    const entry = byName.get(file.name);
    if (!entry) {
      checks.push({
        file: file.name,
        check: 'present',
        ok: false,
        detail: 'listed in the manifest, missing from the archive',
      });
      continue;
    }
    const ok = entry.sha256 === file.sha256 && entry.size === file.size;
    checks.push({
      file: file.name,
      check: 'sha256',
      ok,
      detail: ok
        ? `SHA-256 ${file.sha256}, ${file.size} bytes, as the manifest states`
        : `SHA-256 ${entry.sha256} (${entry.size} bytes) differs from the manifest's ${file.sha256} (${file.size} bytes): the file changed`,
    });
  }
  for (const entry of entries) {
    if (listed.has(entry.name) || entry.name === MANIFEST_FILE || entry.name === MANIFEST_SIGNATURE_FILE)
      continue;
    checks.push({
      file: entry.name,
      check: 'listed',
      ok: false,
      detail: 'in the archive but not listed in the manifest',
    });
  }

  const certificateEntry = byName.get(manifest.signature.certificateFile);
  if (certificateEntry?.data)
    checks.push(certificateCheck(manifest.signature.certificateFile, certificateEntry.data, keyId));

  for (const file of manifest.files.filter((f) => f.name.endsWith('.pdf'))) {
    const pdf = byName.get(file.name)?.data;
    if (!pdf) continue;
    const pdfResult = verifyPdfSignature(pdf, trustedCerts);
    const sameKey = !pdfResult.ok || pdfResult.signerKeyId === keyId;
    checks.push({
      file: file.name,
      check: 'pdf-signature',
      ok: pdfResult.ok && sameKey,
      detail: sameKey
        ? pdfResult.detail
        : `signed by key ${pdfResult.signerKeyId}, not by the manifest's key ${keyId}`,
    });
  }
  return result({ manifest, keyId });
}

/** The certificate shipped in the pack must be the one that signed it (a convenience copy, never the trust anchor). */
function certificateCheck(name: string, pem: Buffer, keyId: string | undefined): PackCheck {
  try {
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
      pem.toString('utf8'),
    )?.[0];
    if (!first) throw new Error('no certificate in the file');
    const fileKeyId = createHash('sha256').update(new X509Certificate(first).raw).digest('hex');
    const ok = fileKeyId === keyId;
    return {
      file: name,
      check: 'key-id',
      ok,
      detail: ok
        ? `the certificate of key ${keyId}`
        : `holds key ${fileKeyId}, but the pack was signed by ${keyId}`,
    };
  } catch (error) {
    return {
      file: name,
      check: 'key-id',
      ok: false,
      detail: `unreadable certificate: ${(error as Error).message}`,
    };
  }
}
