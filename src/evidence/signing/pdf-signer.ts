/**
 * The PDF's own signature, so Adobe Reader and poppler's `pdfsig` show the pack as signed and unchanged.
 *
 * What we produce: SubFilter `adbe.pkcs7.detached` with a CMS signature whose signed attributes are contentType,
 * signingTime and messageDigest. That is not PAdES B-B (no signing-certificate-v2, and signingTime is present), so
 * we do not label it `ETSI.CAdES.detached`.
 *
 * Two steps, because @signpdf needs the signature dictionary written by pdfkit itself: the renderer calls
 * {@link addSignaturePlaceholder} while its document is still open, then {@link signPdf} fills the placeholder.
 */
import { SignPdf, Signer } from '@signpdf/signpdf';
import { pdfkitAddPlaceholder } from '@signpdf/placeholder-pdfkit';
import { signDetachedCms, verifyDetachedCms, type CmsFailure, type TrustedCertificate } from './cms.js';
import type { SigningKey } from './signing-keys.js';

export const PDF_SIGNATURE_SUBFILTER = 'adbe.pkcs7.detached';
/** Bytes reserved for the CMS in `/Contents`; a 3072-bit signature with its certificate needs about 2 KB. */
export const PDF_SIGNATURE_LENGTH = 8192;

export interface SignaturePlaceholderInfo {
  reason: string;
  /** Signer name shown by readers. */
  name: string;
  location: string;
  contactInfo: string;
  /** The `/M` entry; defaults to now. */
  signingTime?: Date;
}

/** What the PDF renderer is handed: called once, on the open document, before `doc.end()`. */
export type SignaturePlaceholder = (doc: PDFKit.PDFDocument) => void;

/** Adds the signature field and an empty `/Contents` to an open pdfkit document (on its current page). */
export function addSignaturePlaceholder(doc: PDFKit.PDFDocument, info: SignaturePlaceholderInfo): void {
  pdfkitAddPlaceholder({
    pdf: doc,
    pdfBuffer: Buffer.alloc(0),
    reason: info.reason,
    name: info.name,
    location: info.location,
    contactInfo: info.contactInfo,
    signingTime: info.signingTime,
    signatureLength: PDF_SIGNATURE_LENGTH,
    subFilter: PDF_SIGNATURE_SUBFILTER,
    appName: 'Patchproof',
  });
}

/** @signpdf's Signer contract, backed by our CMS builder (PEM and PKCS#12 keys alike). */
class CmsSigner extends Signer {
  constructor(private readonly key: SigningKey) {
    super();
  }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    return signDetachedCms(pdfBuffer, this.key, signingTime ?? new Date());
  }
}

/** Fills the placeholder of a rendered PDF with the signature over everything but `/Contents`. */
export async function signPdf(
  pdfBuffer: Buffer,
  key: SigningKey,
  options: { signingTime?: Date } = {},
): Promise<Buffer> {
  return new SignPdf().sign(pdfBuffer, new CmsSigner(key), options.signingTime);
}

export interface PdfSignatureVerification {
  ok: boolean;
  failure?: CmsFailure | 'no-signature' | 'byte-range';
  detail: string;
  byteRange?: [number, number, number, number];
  signingTime?: Date;
  signerKeyId?: string;
}

/**
 * Checks the single signature of a pack PDF the way pdfsig does: the byte range must cover the whole file except
 * exactly the `/Contents` hex string ("total document signed"), and the CMS must sign those bytes.
 */
export function verifyPdfSignature(
  pdf: Buffer,
  trustedCerts: readonly TrustedCertificate[],
): PdfSignatureVerification {
  const ranges = [
    ...pdf.toString('latin1').matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g),
  ];
  if (ranges.length === 0)
    return { ok: false, failure: 'no-signature', detail: 'the PDF carries no signature' };
  if (ranges.length > 1) {
    return {
      ok: false,
      failure: 'byte-range',
      detail: `expected one signature, found ${ranges.length} (an incremental update was added)`,
    };
  }
  const byteRange = ranges[0].slice(1, 5).map(Number) as [number, number, number, number];
  const [start, firstLength, secondStart, secondLength] = byteRange;
  if (start !== 0 || secondStart <= firstLength || secondStart + secondLength !== pdf.length) {
    return {
      ok: false,
      failure: 'byte-range',
      byteRange,
      detail: `byte range [${byteRange.join(' ')}] does not cover the whole file of ${pdf.length} bytes: not the total document signed`,
    };
  }
  const hex = pdf.subarray(firstLength, secondStart).toString('latin1');
  if (!/^<[0-9A-Fa-f]*>$/.test(hex) || hex.length % 2 !== 0) {
    return {
      ok: false,
      failure: 'byte-range',
      byteRange,
      detail: 'the unsigned gap of the byte range is not exactly the /Contents hex string',
    };
  }
  const cms = Buffer.from(hex.slice(1, -1), 'hex');
  const signed = [pdf.subarray(0, firstLength), pdf.subarray(secondStart)];
  const result = verifyDetachedCms(signed, cms, trustedCerts);
  return {
    ok: result.ok,
    failure: result.failure,
    detail: result.ok ? `${result.detail}, total document signed` : result.detail,
    byteRange,
    signingTime: result.signingTime,
    signerKeyId: result.signer?.keyId,
  };
}
