/**
 * The manifest's detached signature, `manifest.json.p7s`: CMS SignedData in DER over the exact bytes of
 * `manifest.json`. Anyone can check it without our code:
 *
 *   openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json \
 *     -CAfile signing-cert.pem -purpose any -out /dev/null
 *
 * (`-binary`: the manifest is signed as bytes, not as MIME text with CRLF line ends; `-purpose any`: the signing
 * certificate carries no extended key usage for S/MIME.)
 */
import { signDetachedCms, verifyDetachedCms, type CmsVerification, type TrustedCertificate } from './cms.js';
import type { SigningKey } from './signing-keys.js';

export const MANIFEST_SIGNATURE_FILE = 'manifest.json.p7s';

export function signManifest(manifestBytes: Buffer, key: SigningKey, signingTime: Date): Buffer {
  return signDetachedCms(manifestBytes, key, signingTime);
}

export function verifyManifestSignature(
  manifestBytes: Buffer,
  p7sBytes: Buffer,
  trustedCerts: readonly TrustedCertificate[],
): CmsVerification {
  return verifyDetachedCms(manifestBytes, p7sBytes, trustedCerts);
}
