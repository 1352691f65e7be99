import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import PDFDocument from 'pdfkit';
import { signManifest, verifyManifestSignature } from './manifest-signer.js';
import { nativeRsaSigner } from './native-rsa.js';
import { addSignaturePlaceholder, signPdf, verifyPdfSignature } from './pdf-signer.js';
import {
  certificateCommonName,
  DEVELOPMENT_KEY_COMMON_NAME,
  developmentKeySource,
  ensureDevelopmentKey,
  loadKeyring,
  loadSigningKey,
  rotateDevelopmentKey,
  type SigningKey,
} from './signing-keys.js';

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

async function tinyPdf(placeholder?: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date(Date.UTC(2026, 10, 1)) } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.fontSize(14).text('Patchproof signing test: October 2026');
  placeholder?.(doc);
  doc.end();
  return done;
}

function flipByte(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at] ^ 0x01;
  return copy;
}

const keyCreatedAt = new Date(Date.UTC(2026, 0, 5));
const signingTime = new Date(Date.UTC(2026, 10, 2, 9, 30));
let dataDir: string;
let key: SigningKey;
const warnings: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchproof-signing-'));
  const paths = await ensureDevelopmentKey(dataDir, {
    warn: (message) => warnings.push(message),
    bits: 2048,
    now: keyCreatedAt,
  });
  key = await loadSigningKey(await developmentKeySource(paths));
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('development signing key', () => {
  it('is a self-signed certificate that says it is not for production, and warns', () => {
    expect(certificateCommonName(key.certificate)).toBe(DEVELOPMENT_KEY_COMMON_NAME);
    expect(key.certificate.verify(key.certificate)).toBe(true);
    const usage = key.certificate.getExtension('keyUsage') as {
      digitalSignature: boolean;
      nonRepudiation: boolean;
    };
    expect(usage).toMatchObject({ digitalSignature: true, nonRepudiation: true });
    const years =
      (key.certificate.validity.notAfter.getTime() - key.certificate.validity.notBefore.getTime()) /
      (365.25 * 86_400_000);
    expect(years).toBeCloseTo(5, 1);
    expect(warnings[0]).toMatch(/development signing key/);
  });

  it('defines the key id as the SHA-256 fingerprint openssl prints', () => {
    const fingerprint = execFileSync('openssl', [
      'x509',
      '-noout',
      '-fingerprint',
      '-sha256',
      '-in',
      join(dataDir, 'keys', 'signing-cert.pem'),
    ])
      .toString()
      .split('=')[1]
      .trim()
      .replace(/:/g, '')
      .toLowerCase();
    expect(key.keyId).toBe(fingerprint);
  });

  it('loads the same key from the PEM pair as from the PKCS#12', async () => {
    const fromPem = await loadSigningKey({
      kind: 'pem',
      certPath: join(dataDir, 'keys', 'signing-cert.pem'),
      keyPath: join(dataDir, 'keys', 'signing-key.pem'),
    });
    expect(fromPem.keyId).toBe(key.keyId);
  });

  it('refuses a PKCS#12 with the wrong passphrase', async () => {
    await expect(
      loadSigningKey({ kind: 'pkcs12', path: join(dataDir, 'keys', 'signing.p12'), passphrase: 'wrong' }),
    ).rejects.toThrow();
  });

  it('keeps the retired certificate in the keyring after rotation, so old signatures still verify', async () => {
    const rotatedDir = mkdtempSync(join(tmpdir(), 'patchproof-rotate-'));
    try {
      const options = { warn: () => undefined, bits: 2048 as const, now: keyCreatedAt };
      const keyA = await loadSigningKey(
        await developmentKeySource(await ensureDevelopmentKey(rotatedDir, options)),
      );
      const manifest = Buffer.from('{"packId":"a"}');
      const signedByA = signManifest(manifest, keyA, signingTime);
      const keyB = await loadSigningKey(
        await developmentKeySource(await rotateDevelopmentKey(rotatedDir, options)),
      );
      expect(keyB.keyId).not.toBe(keyA.keyId);
      expect(existsSync(join(rotatedDir, 'keys', `retired-${keyA.keyId}.cert.pem`))).toBe(true);

      const keyring = await loadKeyring(join(rotatedDir, 'keys'));
      expect(keyring.current?.keyId).toBe(keyB.keyId);
      expect(keyring.entries.map((entry) => entry.keyId).sort()).toEqual([keyA.keyId, keyB.keyId].sort());
      const trusted = keyring.entries.map((entry) => entry.certificatePem);
      expect(verifyManifestSignature(manifest, signedByA, trusted).ok).toBe(true);
      // Only B's certificate: A's signature is intact but untrusted.
      expect(verifyManifestSignature(manifest, signedByA, [keyring.current!.certificatePem]).failure).toBe(
        'untrusted',
      );
    } finally {
      rmSync(rotatedDir, { recursive: true, force: true });
    }
  });
});

describe('RSA by OpenSSL for the CMS builder', () => {
  it('gives the bytes forge gives (PKCS#1 v1.5 is deterministic), and leaves other digests to forge', () => {
    for (const text of ['', 'manifest bytes', 'ü'.repeat(5000)]) {
      const md = forge.md.sha256.create().update(text, 'utf8');
      expect(nativeRsaSigner(key.privateKey).sign(md, 'RSASSA-PKCS1-V1_5')).toBe(
        key.privateKey.sign(md, 'RSASSA-PKCS1-V1_5'),
      );
      expect(nativeRsaSigner(key.privateKey).sign(md)).toBe(key.privateKey.sign(md));
    }
    const sha1 = forge.md.sha1.create().update('legacy', 'utf8');
    expect(nativeRsaSigner(key.privateKey).sign(sha1)).toBe(key.privateKey.sign(sha1));
  });
});

describe('manifest signature (detached CMS)', () => {
  const manifest = Buffer.from('{"files":[{"name":"pack.pdf","sha256":"ab"}],"packId":"p-1"}');

  it('verifies in JS and names what changed', () => {
    const p7s = signManifest(manifest, key, signingTime);
    const good = verifyManifestSignature(manifest, p7s, [key.certificatePem]);
    expect(good).toMatchObject({ ok: true, signer: { keyId: key.keyId } });
    expect(good.signingTime).toEqual(signingTime);

    const changedManifest = flipByte(manifest, 10);
    expect(verifyManifestSignature(changedManifest, p7s, [key.certificatePem]).failure).toBe(
      'content-digest',
    );
    // Flip a byte of the RSA signature (the end of the DER) and one inside the signed attributes.
    expect(
      verifyManifestSignature(manifest, flipByte(p7s, p7s.length - 5), [key.certificatePem]).failure,
    ).toBe('signature');
    const digestAt = p7s.indexOf(
      Buffer.from(forge.md.sha256.create().update(manifest.toString('binary')).digest().bytes(), 'binary'),
    );
    expect(digestAt).toBeGreaterThan(0);
    expect(verifyManifestSignature(manifest, flipByte(p7s, digestAt), [key.certificatePem]).failure).toBe(
      'signature',
    );
    expect(verifyManifestSignature(manifest, p7s.subarray(0, 40), [key.certificatePem]).failure).toBe(
      'structure',
    );
  });

  const openssl = hasBinary('openssl');
  (openssl ? it : it.skip)('verifies with openssl cms, and fails there when the manifest changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchproof-cms-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), manifest);
      writeFileSync(join(dir, 'manifest.json.p7s'), signManifest(manifest, key, signingTime));
      writeFileSync(join(dir, 'signing-cert.pem'), key.certificatePem);
      const verify = () =>
        spawnSync(
          'openssl',
          [
            'cms',
            '-verify',
            '-binary',
            '-inform',
            'DER',
            '-in',
            'manifest.json.p7s',
            '-content',
            'manifest.json',
            '-CAfile',
            'signing-cert.pem',
            '-purpose',
            'any',
            '-out',
            '/dev/null',
          ],
          { cwd: dir, encoding: 'utf8' },
        );
      const good = verify();
      expect(good.stderr).toContain('Verification successful');
      expect(good.status).toBe(0);

      writeFileSync(join(dir, 'manifest.json'), flipByte(manifest, 10));
      const bad = verify();
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/digest failure|Verification failure/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PDF signature', () => {
  let signed: Buffer;
  /** A harmless byte inside the signed range: a letter of the document's /Producer string. */
  let insideSigned: number;

  beforeAll(async () => {
    const unsigned = await tinyPdf((doc) =>
      addSignaturePlaceholder(doc, {
        reason: 'Evidence pack test',
        name: 'Patchproof',
        location: 'Patchproof service',
        contactInfo: 'security@example.com',
        signingTime,
      }),
    );
    signed = await signPdf(unsigned, key, { signingTime });
    insideSigned = signed.indexOf('PDFKit') + 2;
    expect(insideSigned).toBeGreaterThan(signed.indexOf('/Contents <'));
  });

  it('labels the signature adbe.pkcs7.detached and verifies in JS over the whole document', () => {
    expect(signed.includes('/SubFilter /adbe.pkcs7.detached')).toBe(true);
    const result = verifyPdfSignature(signed, [key.certificatePem]);
    expect(result).toMatchObject({ ok: true, signerKeyId: key.keyId });
    expect(result.byteRange![2] + result.byteRange![3]).toBe(signed.length);
  });

  it('fails the JS check for a flipped byte, a damaged signature, appended bytes or an untrusted key', () => {
    const trusted = [key.certificatePem];
    expect(verifyPdfSignature(flipByte(signed, insideSigned), trusted).failure).toBe('content-digest');
    expect(verifyPdfSignature(flipByte(signed, signed.length - 20), trusted).failure).toBe('content-digest');
    const contentsAt = signed.indexOf('/Contents <') + '/Contents <'.length;
    const damaged = Buffer.from(signed);
    damaged[contentsAt + 400] = damaged[contentsAt + 400] === 0x30 ? 0x31 : 0x30;
    expect(['signature', 'structure']).toContain(verifyPdfSignature(damaged, trusted).failure);
    const appended = Buffer.concat([signed, Buffer.from('\n% appended\n')]);
    expect(verifyPdfSignature(appended, trusted).failure).toBe('byte-range');
    expect(verifyPdfSignature(signed, []).failure).toBe('untrusted');
    expect(verifyPdfSignature(Buffer.from('%PDF-1.7\n%%EOF'), trusted).failure).toBe('no-signature');
  });

  const pdfsig = hasBinary('pdfsig');
  if (!pdfsig) console.warn('pdfsig (poppler-utils) not installed: skipping the pdfsig checks');
  (pdfsig ? it : it.skip)('is valid for pdfsig, and a flipped byte is a digest mismatch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchproof-pdfsig-'));
    try {
      const run = (pdf: Buffer) => {
        writeFileSync(join(dir, 'pack.pdf'), pdf);
        // pdfsig exits 0 whether or not the signature is valid: read what it says.
        return spawnSync('pdfsig', ['-nocert', join(dir, 'pack.pdf')], { encoding: 'utf8' }).stdout;
      };
      const good = run(signed);
      expect(good).toContain('Signature is Valid.');
      expect(good).toContain('Total document signed');
      expect(good).toContain('adbe.pkcs7.detached');
      expect(run(flipByte(signed, insideSigned))).toContain('Digest Mismatch');
      expect(run(Buffer.concat([signed, Buffer.from('\n% appended\n')]))).toContain(
        'Not total document signed',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const qpdf = hasBinary('qpdf');
  (qpdf ? it : it.skip)('is a structurally sound PDF (qpdf --check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchproof-qpdf-'));
    try {
      writeFileSync(join(dir, 'pack.pdf'), signed);
      const out = spawnSync('qpdf', ['--check', join(dir, 'pack.pdf')], { encoding: 'utf8' });
      expect(out.stdout).toContain('No syntax or stream encoding errors found');
      expect(readFileSync(join(dir, 'pack.pdf')).length).toBe(signed.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
