/**
 * Signing key material: the key that signs packs (PKCS#12 or PEM pair from config, or a generated development key)
 * and the keyring of every certificate that ever signed a pack, so packs signed before a rotation still verify.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

/** Where the signing key comes from (the config module maps settings to this). */
export type SigningKeySource =
  | { kind: 'pkcs12'; path: string; passphrase: string }
  | { kind: 'pem'; certPath: string; keyPath: string; keyPassphrase?: string };

export interface SigningKey {
  /** See {@link certificateKeyId}. */
  keyId: string;
  certificate: forge.pki.Certificate;
  certificatePem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  /** Issuing certificates (CA chain) shipped with the key, embedded in signatures after the signer's own. */
  chain: forge.pki.Certificate[];
}

export interface DevelopmentKeyPaths {
  certPath: string;
  keyPath: string;
  p12Path: string;
  passphrasePath: string;
  /** False when the key already existed and was reused. */
  created: boolean;
}

export interface KeyringEntry {
  keyId: string;
  path: string;
  certificate: forge.pki.Certificate;
  certificatePem: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** The certificate of the key that signs new packs. */
  current: boolean;
}

export interface Keyring {
  current: KeyringEntry | null;
  /** Current first, then retired certificates by file name. */
  entries: KeyringEntry[];
}

export const DEVELOPMENT_KEY_COMMON_NAME = 'Patchproof development signing key — not for production';

/** File names inside `<dataDir>/keys/`. Retired certificates are kept as `retired-<keyId>.cert.pem`. */
export const KEY_FILES = {
  cert: 'signing-cert.pem',
  key: 'signing-key.pem',
  p12: 'signing.p12',
  passphrase: 'signing.p12.pass',
} as const;

const FIVE_YEARS_MS = 5 * 365.25 * 24 * 3600 * 1000;

/**
 * The key id is the SHA-256 fingerprint of the certificate's DER encoding, 64 lowercase hex digits: the value
 * `openssl x509 -noout -fingerprint -sha256` prints (without colons), so anyone can recompute it from the PEM.
 * The full digest, not a prefix: the id names the trust anchor and must not collide.
 */
export function certificateKeyId(certificate: forge.pki.Certificate): string {
  return createHash('sha256').update(certificateDer(certificate)).digest('hex');
}

export function certificateDer(certificate: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
}

/** Every certificate in a PEM text (a bundle may hold several). */
export function certificatesFromPem(pem: string): forge.pki.Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => forge.pki.certificateFromPem(block));
}

/** The subject's common name, decoded (forge leaves UTF8String values as UTF-8 byte strings). */
export function certificateCommonName(certificate: forge.pki.Certificate): string {
  const field = certificate.subject.getField('CN') as { value: string; valueTagClass?: number } | null;
  if (!field) return '';
  return field.valueTagClass === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(field.value) : field.value;
}

/** The signer's certificate followed by its chain, as shipped in a pack's `signing-cert.pem`. */
export function certificateChainPem(key: SigningKey): string {
  return [
    key.certificatePem,
    ...key.chain.map((certificate) => forge.pki.certificateToPem(certificate)),
  ].join('');
}

export async function loadSigningKey(source: SigningKeySource): Promise<SigningKey> {
  switch (source.kind) {
    case 'pkcs12':
      return signingKeyFromPkcs12(await readFile(source.path), source.passphrase);
    case 'pem': {
      const [certText, keyText] = await Promise.all([
        readFile(source.certPath, 'utf8'),
        readFile(source.keyPath, 'utf8'),
      ]);
      return signingKeyFromPem(certText, keyText, source.keyPassphrase);
    }
  }
}

export function signingKeyFromPem(certPem: string, keyPem: string, keyPassphrase?: string): SigningKey {
  const privateKey = keyPem.includes('ENCRYPTED PRIVATE KEY')
    ? forge.pki.decryptRsaPrivateKey(keyPem, keyPassphrase ?? '')
    : forge.pki.privateKeyFromPem(keyPem);
  if (!privateKey) throw new Error('signing key: cannot decrypt the PEM private key (wrong passphrase?)');
  return keyFromParts(privateKey, certificatesFromPem(certPem));
}

export function signingKeyFromPkcs12(p12: Buffer, passphrase: string): SigningKey {
  const asn1 = forge.asn1.fromDer(p12.toString('binary'));
  const store = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  const keyBags = [
    ...(store.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ??
      []),
    ...(store.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = store.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const privateKey = keyBags[0]?.key;
  if (!privateKey) throw new Error('signing key: the PKCS#12 file holds no private key');
  const certificates = certBags.flatMap((bag) => (bag.cert ? [bag.cert] : []));
  return keyFromParts(privateKey, certificates);
}

/** Picks the certificate that matches the private key; the others are its chain. */
function keyFromParts(
  privateKey: forge.pki.rsa.PrivateKey,
  certificates: forge.pki.Certificate[],
): SigningKey {
  if (!('n' in privateKey) || !privateKey.n) throw new Error('signing key: only RSA keys are supported');
  const own = certificates.find((certificate) => {
    const publicKey = certificate.publicKey as forge.pki.rsa.PublicKey;
    return publicKey.n?.equals(privateKey.n) && publicKey.e?.equals(privateKey.e);
  });
  if (!own) throw new Error('signing key: no certificate matches the private key');
  return {
    keyId: certificateKeyId(own),
    certificate: own,
    certificatePem: forge.pki.certificateToPem(own),
    privateKey,
    chain: certificates.filter((certificate) => certificate !== own),
  };
}

/**
 * A self-signed development key in `<dataDir>/keys/` (PEM pair and a PKCS#12 with a random passphrase beside it),
 * created on first use and reused afterwards. Packs signed with it verify, but nobody should trust it: the
 * common name says so, and `warn` is told every time it is used.
 */
export async function ensureDevelopmentKey(
  dataDir: string,
  options: { warn: (message: string) => void; bits?: 2048 | 3072; now?: Date },
): Promise<DevelopmentKeyPaths> {
  const dir = join(dataDir, 'keys');
  const paths = {
    certPath: join(dir, KEY_FILES.cert),
    keyPath: join(dir, KEY_FILES.key),
    p12Path: join(dir, KEY_FILES.p12),
    passphrasePath: join(dir, KEY_FILES.passphrase),
  };
  const exists = Object.values(paths).every((path) => existsSync(path));
  options.warn(
    `${exists ? 'Using' : 'Generating'} the development signing key in ${dir}: packs signed with it are not ` +
      'trustworthy evidence. Configure a PKCS#12 or PEM signing key for production.',
  );
  if (exists) return { ...paths, created: false };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const generated = generateDevelopmentKey(options.bits ?? 3072, options.now ?? new Date());
  await writeFile(paths.certPath, generated.certPem, { mode: 0o644 });
  await writeFile(paths.keyPath, generated.keyPem, { mode: 0o600 });
  await writeFile(paths.p12Path, generated.p12, { mode: 0o600 });
  await writeFile(paths.passphrasePath, `${generated.passphrase}\n`, { mode: 0o600 });
  await chmod(dir, 0o700);
  return { ...paths, created: true };
}

/** The development key as a {@link SigningKeySource} (the PKCS#12 with its stored passphrase). */
export async function developmentKeySource(paths: DevelopmentKeyPaths): Promise<SigningKeySource> {
  const passphrase = (await readFile(paths.passphrasePath, 'utf8')).trim();
  return { kind: 'pkcs12', path: paths.p12Path, passphrase };
}

/**
 * Retires the current development key and generates a new one. The old certificate stays in the keyring as
 * `retired-<keyId>.cert.pem` (old packs still verify); the old private key is deleted: nothing may sign with it.
 */
export async function rotateDevelopmentKey(
  dataDir: string,
  options: { warn: (message: string) => void; bits?: 2048 | 3072; now?: Date },
): Promise<DevelopmentKeyPaths> {
  const dir = join(dataDir, 'keys');
  const certPath = join(dir, KEY_FILES.cert);
  if (existsSync(certPath)) {
    const [certificate] = certificatesFromPem(await readFile(certPath, 'utf8'));
    if (!certificate) throw new Error(`signing key: ${certPath} holds no certificate`);
    await rename(certPath, join(dir, `retired-${certificateKeyId(certificate)}.cert.pem`));
    await Promise.all(
      [KEY_FILES.key, KEY_FILES.p12, KEY_FILES.passphrase].map((name) =>
        rm(join(dir, name), { force: true }),
      ),
    );
  }
  return ensureDevelopmentKey(dataDir, options);
}

/**
 * Every certificate in the keyring directory: `signing-cert.pem` is the current one; any other `*.pem` holding
 * certificates (retired keys, or certificates an operator placed there) stays listed so old packs still verify.
 */
export async function loadKeyring(dir: string): Promise<Keyring> {
  const names = existsSync(dir) ? (await readdir(dir)).filter((name) => name.endsWith('.pem')).sort() : [];
  const entries: KeyringEntry[] = [];
  const seen = new Set<string>();
  for (const name of [KEY_FILES.cert, ...names.filter((name) => name !== KEY_FILES.cert)]) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const text = await readFile(path, 'utf8');
    for (const certificate of certificatesFromPem(text)) {
      const keyId = certificateKeyId(certificate);
      if (seen.has(keyId)) continue;
      seen.add(keyId);
      entries.push({
        keyId,
        path,
        certificate,
        certificatePem: forge.pki.certificateToPem(certificate),
        subject: certificateCommonName(certificate),
        notBefore: certificate.validity.notBefore,
        notAfter: certificate.validity.notAfter,
        current: name === KEY_FILES.cert && entries.length === 0,
      });
    }
  }
  return { current: entries.find((entry) => entry.current) ?? null, entries };
}

interface GeneratedKey {
  certPem: string;
  keyPem: string;
  p12: Buffer;
  passphrase: string;
}

function generateDevelopmentKey(bits: number, now: Date): GeneratedKey {
  // Node's native generator: forge's pure-JS prime search takes seconds to minutes for 3072 bits.
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const keyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  // Positive 128-bit serial: clear the top bit so the DER INTEGER is not negative.
  const serial = randomBytes(16);
  serial[0] = serial[0] & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = new Date(now.getTime() - 60_000);
  certificate.validity.notAfter = new Date(now.getTime() + FIVE_YEARS_MS);
  const name = [
    { shortName: 'CN', value: DEVELOPMENT_KEY_COMMON_NAME, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'O', value: 'Patchproof' },
  ] as forge.pki.CertificateField[];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(privateKey, forge.md.sha256.create());

  const passphrase = randomBytes(24).toString('base64url');
  const p12Asn1 = forge.pkcs12.toPkcs12Asn1(privateKey, [certificate], passphrase, {
    algorithm: 'aes256',
    friendlyName: 'patchproof-development',
  });
  return {
    certPem: forge.pki.certificateToPem(certificate),
    keyPem,
    p12: Buffer.from(forge.asn1.toDer(p12Asn1).getBytes(), 'binary'),
    passphrase,
  };
}
