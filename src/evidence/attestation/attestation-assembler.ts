/**
 * Packages an insurer attestation the way a pack is packaged, so `verifyPack`, `patchproof verify` and
 * `POST /v1/verify` check it with no special case:
 *
 *   attestation.pdf (one page, signed), attestation.json (the same facts), signing-cert.pem  ← listed in the manifest
 *   manifest.json (RFC 8785, `kind: "attestation"`), manifest.json.p7s (detached CMS over manifest.json)
 *
 * The underwriter can check the PDF alone with pdfsig, or the JSON against the signed manifest.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writePackArchive } from '../archive.js';
import { buildManifest, canonicalManifestBytes, MANIFEST_FILE, type PackManifest } from '../manifest.js';
import type { EvidencePackContent } from '../pack-content.js';
import { CERTIFICATE_FILE, describeBuffer, packArchiveName } from '../pack-assembler.js';
import { MANIFEST_SIGNATURE_FILE, signManifest } from '../signing/manifest-signer.js';
import { addSignaturePlaceholder, PDF_SIGNATURE_SUBFILTER, signPdf } from '../signing/pdf-signer.js';
import { certificateChainPem, certificateCommonName, type SigningKey } from '../signing/signing-keys.js';
import type { AttestationWording, InsurerAttestation } from './attestation.js';
import { defaultAttestationFonts, renderAttestationPdf } from './attestation-pdf.js';

export const ATTESTATION_PDF_FILE = 'attestation.pdf';
export const ATTESTATION_JSON_FILE = 'attestation.json';

export interface AssembleAttestationInput {
  /** The content the attestation was built from (its packId is the attestation's record id). */
  content: EvidencePackContent;
  attestation: InsurerAttestation;
  wording: AttestationWording;
  key: SigningKey;
  outDir: string;
  signingTime: Date;
}

export interface AssembledAttestation {
  archivePath: string;
  manifest: PackManifest & { kind: 'attestation'; attestationId: string };
}

export async function assembleAttestation(input: AssembleAttestationInput): Promise<AssembledAttestation> {
  const { content, attestation, key, signingTime } = input;
  const unsigned = await renderAttestationPdf(attestation, input.wording, {
    ...defaultAttestationFonts(),
    signaturePlaceholder: (doc) =>
      addSignaturePlaceholder(doc, {
        reason: `Insurer attestation ${attestation.attestationId}: ${attestation.client.name}, as of ${new Date(attestation.asOf).toISOString()}`,
        name: certificateCommonName(key.certificate) || 'Patchproof',
        location: content.tenant.name,
        contactInfo: content.tenant.name,
        signingTime,
      }),
  });
  const pdf = await signPdf(unsigned, key, { signingTime });
  const json = Buffer.from(`${JSON.stringify(attestation, null, 2)}\n`, 'utf8');
  const certificate = Buffer.from(certificateChainPem(key), 'utf8');
  const parts = [
    { name: ATTESTATION_PDF_FILE, buffer: pdf },
    { name: ATTESTATION_JSON_FILE, buffer: json },
    { name: CERTIFICATE_FILE, buffer: certificate },
  ];
  const counts = content.provenance.counts;
  const manifest = {
    ...buildManifest({
      content,
      files: parts.map((p) => describeBuffer(p.name, p.buffer)),
      keyId: key.keyId,
      ledger: content.provenance.ledger,
      // No CSV or XLSX in an attestation: their row counts are zero, the provenance counts are the content's.
      counts: { ...counts, casesCsvRows: 0, eventsCsvRows: 0, eventsXlsxRows: 0, eventsXlsxCapped: false },
      certificateFile: CERTIFICATE_FILE,
      manifestSignatureFile: MANIFEST_SIGNATURE_FILE,
      pdfSubFilter: PDF_SIGNATURE_SUBFILTER,
    }),
    kind: 'attestation' as const,
    attestationId: attestation.attestationId,
  };
  const manifestBytes = canonicalManifestBytes(manifest);
  const signature = signManifest(manifestBytes, key, signingTime);
  await mkdir(input.outDir, { recursive: true });
  const archivePath = join(input.outDir, packArchiveName(content.packId));
  await writePackArchive(
    [
      ...parts,
      { name: MANIFEST_FILE, buffer: manifestBytes },
      { name: MANIFEST_SIGNATURE_FILE, buffer: signature },
    ],
    archivePath,
    { mtime: signingTime },
  );
  return { archivePath, manifest };
}
