/**
 * RSA signatures by OpenSSL for node-forge's CMS builder. forge signs in JavaScript big-integer arithmetic: about
 * 0.3 s per signature with a 3072-bit key, twice per pack (PDF and manifest), on the thread that also draws the PDF.
 * RSASSA-PKCS1-v1_5 is deterministic, so OpenSSL's private-key operation over the same DigestInfo gives the same
 * bytes as forge (the signing spec compares them).
 */
import { constants, createPrivateKey, privateEncrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** DER of DigestInfo { sha256, NULL } up to the digest's OCTET STRING header (RFC 8017, 9.2 note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** What forge's `pkcs7` signer calls on its key. */
export interface ForgeSigningKey {
  sign(md: forge.md.MessageDigest, scheme?: string): string;
}

const nativeKeys = new WeakMap<forge.pki.rsa.PrivateKey, KeyObject>();

/**
 * A stand-in for `key` in `p7.addSigner`: SHA-256 with PKCS#1 v1.5 (what the packs use) signed by OpenSSL; any
 * other digest or scheme is left to forge.
 */
export function nativeRsaSigner(key: forge.pki.rsa.PrivateKey): ForgeSigningKey {
  let native = nativeKeys.get(key);
  if (!native) {
    native = createPrivateKey(forge.pki.privateKeyToPem(key));
    nativeKeys.set(key, native);
  }
  const openssl = native;
  return {
    sign(md, scheme) {
      if (
        md.algorithm !== 'sha256' ||
        (scheme !== undefined && scheme.toUpperCase() !== 'RSASSA-PKCS1-V1_5')
      ) {
        return key.sign(md, scheme);
      }
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const signature = privateEncrypt(
        { key: openssl, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]),
      );
      return signature.toString('binary');
    },
  };
}
