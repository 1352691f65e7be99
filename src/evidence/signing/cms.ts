/**
 * Detached CMS (PKCS#7) SignedData: the one signature format of a pack. The manifest's `.p7s` and the PDF's
 * `/Contents` are both this structure over different bytes, so both are made and checked here.
 *
 * node-forge builds the structure but cannot verify one (its `verify()` throws "not yet implemented"), so the
 * verifier walks the ASN.1 itself and lets Node's crypto check the RSA signature and the certificate chain.
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { nativeRsaSigner } from './native-rsa.js';
import type { SigningKey } from './signing-keys.js';

/** A certificate a verifier trusts: PEM text (one or more certificates), DER bytes, or a parsed certificate. */
export type TrustedCertificate = string | Buffer | X509Certificate;

/** Which part of a signature failed, so a report can name the file that changed. */
export type CmsFailure =
  /** The bytes are not a SignedData this verifier understands (the signature file is damaged). */
  | 'structure'
  /** The signed attributes do not verify with the signer's key (the signature file is damaged or forged). */
  | 'signature'
  /** The signature is intact but signs other content (the signed content changed). */
  | 'content-digest'
  /** Intact and matching, but by a certificate nobody trusted. */
  | 'untrusted'
  /** Signed outside the certificate's validity. */
  | 'validity';

export interface CmsVerification {
  ok: boolean;
  failure?: CmsFailure;
  detail: string;
  signer?: { keyId: string; subject: string };
  signingTime?: Date;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
} as const;

const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * Signs `content` (detached: the content is not embedded) with SHA-256 and RSA PKCS#1 v1.5, signed attributes
 * contentType, signingTime and messageDigest, and the signer's certificate (plus chain) included.
 */
export function signDetachedCms(content: Buffer, key: SigningKey, signingTime: Date): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  p7.addCertificate(key.certificate);
  for (const certificate of key.chain) p7.addCertificate(certificate);
  p7.addSigner({
    // OpenSSL does the RSA operation (see native-rsa); forge's typings want its own key type.
    key: nativeRsaSigner(key.privateKey) as unknown as forge.pki.rsa.PrivateKey,
    certificate: key.certificate,
    digestAlgorithm: forge.pki.oids.sha256,
    // In DER order of their encodings (contentType, signingTime, messageDigest): a SET OF must be sorted, and
    // verifiers that re-encode the attributes before checking would otherwise compute other bytes.
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime, value: signingTime as unknown as string },
      { type: forge.pki.oids.messageDigest },
    ],
  });
  p7.sign({ detached: true });
  const contentInfo = p7.toAsn1();
  // forge rebuilds the signer's issuer name from parsed fields and encodes UTF8String values twice (our development
  // certificate's name has an em dash), so verifiers would not find the certificate: copy the issuer and serial
  // from the certificate's own DER instead. They are outside the signed attributes, so the signature stands.
  const signedData = children(children(contentInfo, 'ContentInfo')[1], '[0] content')[0];
  const signerInfos = children(signedData, 'SignedData').at(-1);
  children(children(signerInfos, 'SignerInfos')[0], 'SignerInfo')[1] = issuerAndSerialNumber(key.certificate);
  return derOf(contentInfo);
}

function issuerAndSerialNumber(certificate: forge.pki.Certificate): Asn1 {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes();
  const tbsParts = children(children(forge.asn1.fromDer(der), 'Certificate')[0], 'TBSCertificate');
  const offset = tbsParts[0]?.tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0;
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [tbsParts[offset + 2], tbsParts[offset]]);
}

/** Parses trusted certificates; PEM bundles yield every certificate in them. */
export function toX509Certificates(trusted: readonly TrustedCertificate[]): X509Certificate[] {
  return trusted.flatMap((item) => {
    if (item instanceof X509Certificate) return [item];
    if (Buffer.isBuffer(item)) return [new X509Certificate(item)];
    const blocks = item.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.map((block) => new X509Certificate(block));
  });
}

/**
 * Verifies a detached CMS signature over `content` (given as parts, e.g. a PDF's two byte ranges). `der` may carry
 * trailing zero padding (a PDF `/Contents` placeholder). The signer must be a trusted certificate or chain to one.
 */
export function verifyDetachedCms(
  content: Buffer | readonly Buffer[],
  der: Buffer,
  trustedCerts: readonly TrustedCertificate[],
): CmsVerification {
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(der);
  } catch (error) {
    return {
      ok: false,
      failure: 'structure',
      detail: `not a readable CMS SignedData: ${(error as Error).message}`,
    };
  }
  const { signer, certificates } = parsed;
  const signerCert = certificates.find(
    (cert) => cert.serialNumber === signer.serialHex && cert.issuerDer.equals(signer.issuerDer),
  )?.x509;
  if (!signerCert) {
    return {
      ok: false,
      failure: 'structure',
      detail: 'the signer certificate is not included in the signature',
    };
  }
  const keyId = createHash('sha256').update(signerCert.raw).digest('hex');
  const who = { keyId, subject: signerCert.subject.replace(/\n/g, ', ') };
  const base = { signer: who, signingTime: signer.signingTime };

  if (!verifySignature(signer.hash, signer.signedAttrsDer, signerCert.publicKey, signer.signature)) {
    return {
      ...base,
      ok: false,
      failure: 'signature',
      detail: `the signature does not verify with the included certificate ${keyId}`,
    };
  }
  const hash = createHash(signer.hash);
  for (const part of Buffer.isBuffer(content) ? [content] : content) hash.update(part);
  if (!hash.digest().equals(signer.messageDigest)) {
    return {
      ...base,
      ok: false,
      failure: 'content-digest',
      detail: `the content's ${signer.hash.toUpperCase()} digest differs from the signed digest: the content changed after signing`,
    };
  }
  const trusted = toX509Certificates(trustedCerts);
  if (
    !chainsToTrusted(
      signerCert,
      trusted,
      certificates.map((cert) => cert.x509),
    )
  ) {
    return {
      ...base,
      ok: false,
      failure: 'untrusted',
      detail: `signed by certificate ${keyId} (${who.subject}), which is not among the ${trusted.length} trusted certificates`,
    };
  }
  if (signer.signingTime) {
    const at = signer.signingTime.getTime();
    if (at < Date.parse(signerCert.validFrom) || at > Date.parse(signerCert.validTo)) {
      return {
        ...base,
        ok: false,
        failure: 'validity',
        detail: `signed at ${signer.signingTime.toISOString()}, outside the certificate's validity (${signerCert.validFrom} to ${signerCert.validTo})`,
      };
    }
  }
  return { ...base, ok: true, detail: `valid signature by ${keyId} (${who.subject})` };
}

/** The signer is trusted itself, or is issued (through included intermediates) by a trusted certificate. */
function chainsToTrusted(
  leaf: X509Certificate,
  trusted: X509Certificate[],
  included: X509Certificate[],
): boolean {
  let current = leaf;
  for (let depth = 0; depth < 6; depth++) {
    if (trusted.some((cert) => cert.raw.equals(current.raw))) return true;
    const issuedBy = (cert: X509Certificate) =>
      !cert.raw.equals(current.raw) && current.checkIssued(cert) && current.verify(cert.publicKey);
    if (trusted.some(issuedBy)) return true;
    const next = included.find(issuedBy);
    if (!next) return false;
    current = next;
  }
  return false;
}

interface ParsedSignedData {
  certificates: { x509: X509Certificate; serialNumber: string; issuerDer: Buffer }[];
  signer: {
    serialHex: string;
    issuerDer: Buffer;
    hash: string;
    signedAttrsDer: Buffer;
    messageDigest: Buffer;
    signingTime?: Date;
    signature: Buffer;
  };
}

type Asn1 = forge.asn1.Asn1;
const { Class, Type } = forge.asn1;

function parseSignedData(der: Buffer): ParsedSignedData {
  const fromDer = forge.asn1.fromDer as unknown as (bytes: string, options: object) => Asn1;
  const contentInfo = fromDer(der.toString('binary'), { parseAllBytes: false, decodeBitStrings: false });
  const [typeNode, explicit] = children(contentInfo, 'ContentInfo');
  if (oidOf(typeNode) !== OID.signedData) throw new Error('content type is not signedData');
  const signedData = children(explicit, '[0] content')[0];
  const parts = children(signedData, 'SignedData');
  const encap = parts[2];
  const encapChildren = children(encap, 'EncapsulatedContentInfo');
  if (encapChildren.length > 1) throw new Error('the content is embedded: expected a detached signature');
  const eContentType = oidOf(encapChildren[0]);

  const certificates: ParsedSignedData['certificates'] = [];
  let signerInfos: Asn1 | undefined;
  for (const node of parts.slice(3)) {
    if (node.tagClass === Class.CONTEXT_SPECIFIC && (node.type as number) === 0) {
      for (const certNode of children(node, 'certificates')) {
        const tbs = children(certNode, 'Certificate')[0];
        const tbsParts = children(tbs, 'TBSCertificate');
        const offset = tbsParts[0]?.tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0;
        certificates.push({
          x509: new X509Certificate(derOf(certNode)),
          serialNumber: integerHex(tbsParts[offset]),
          issuerDer: derOf(tbsParts[offset + 2]),
        });
      }
    } else if (node.tagClass === Class.UNIVERSAL && node.type === Type.SET) {
      signerInfos = node;
    }
  }
  const infos = children(signerInfos, 'SignerInfos');
  if (infos.length !== 1) throw new Error(`expected one signer, found ${infos.length}`);
  const info = children(infos[0], 'SignerInfo');
  const [, sid, digestAlg, signedAttrs, , signatureNode] = info;
  const sidParts = children(sid, 'IssuerAndSerialNumber');
  const hash = DIGESTS[oidOf(children(digestAlg, 'DigestAlgorithm')[0])];
  if (!hash) throw new Error('unsupported digest algorithm');
  if (!signedAttrs || signedAttrs.tagClass !== Class.CONTEXT_SPECIFIC || (signedAttrs.type as number) !== 0) {
    throw new Error('no signed attributes');
  }
  const signatureAlgorithm = oidOf(children(info[4], 'SignatureAlgorithm')[0]);
  if (
    ![OID.rsaEncryption, OID.sha256WithRSA, OID.sha384WithRSA, OID.sha512WithRSA].includes(
      signatureAlgorithm as typeof OID.rsaEncryption,
    )
  ) {
    throw new Error(`unsupported signature algorithm ${signatureAlgorithm}`);
  }

  let messageDigest: Buffer | undefined;
  let contentType: string | undefined;
  let signingTime: Date | undefined;
  for (const attribute of children(signedAttrs, 'SignedAttributes')) {
    const [attrType, values] = children(attribute, 'Attribute');
    const value = children(values, 'AttributeValues')[0];
    switch (oidOf(attrType)) {
      case OID.messageDigest:
        messageDigest = Buffer.from(primitive(value), 'binary');
        break;
      case OID.contentType:
        contentType = oidOf(value);
        break;
      case OID.signingTime:
        signingTime =
          value?.type === Type.UTCTIME
            ? forge.asn1.utcTimeToDate(primitive(value))
            : forge.asn1.generalizedTimeToDate(primitive(value));
        break;
    }
  }
  if (!messageDigest) throw new Error('the signed attributes carry no message digest');
  if (contentType !== eContentType) throw new Error('the signed content type differs from the content type');

  // The signature covers the attributes DER-encoded as a SET OF, not with the [0] IMPLICIT tag they travel with.
  const asSet = forge.asn1.create(Class.UNIVERSAL, Type.SET, true, signedAttrs.value);
  return {
    certificates,
    signer: {
      serialHex: integerHex(sidParts[1]),
      issuerDer: derOf(sidParts[0]),
      hash,
      signedAttrsDer: derOf(asSet),
      messageDigest,
      signingTime,
      signature: Buffer.from(primitive(signatureNode), 'binary'),
    },
  };
}

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`malformed ${what}`);
  return node.value;
}

function primitive(node: Asn1 | undefined): string {
  if (!node || typeof node.value !== 'string') throw new Error('malformed value');
  return node.value;
}

function oidOf(node: Asn1 | undefined): string {
  if (!node || node.type !== Type.OID) throw new Error('expected an object identifier');
  return forge.asn1.derToOid(primitive(node));
}

function derOf(node: Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

/** Serial numbers compared as forge prints them (lowercase hex of the INTEGER's content bytes). */
function integerHex(node: Asn1 | undefined): string {
  return forge.util.bytesToHex(primitive(node));
}
