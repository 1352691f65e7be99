import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { eventStreamOf, samplePackEvents } from '../../test/fixtures/sample-pack-events.js';
import { samplePackContent } from '../../test/fixtures/sample-pack-content.js';
import { readPackArchive, writePackArchive, type ArchiveEntry } from './archive.js';
import { validateOscal } from './oscal/oscal-export.js';
import type { EvidencePackContent } from './pack-content.js';
import { assemblePack, type AssembledPack } from './pack-assembler.js';
import type { SignaturePlaceholder } from './signing/pdf-signer.js';
import {
  developmentKeySource,
  ensureDevelopmentKey,
  loadSigningKey,
  type SigningKey,
} from './signing/signing-keys.js';
import { verifyPack } from './verify-pack.js';

const PACK_FILES = [
  'cases.csv',
  'events.csv.gz',
  'manifest.json',
  'manifest.json.p7s',
  'oscal-assessment-results.json',
  'oscal-poam.json',
  'pack.pdf',
  'pack.xlsx',
  'signing-cert.pem',
];

/** Stands in for the real renderer: a one-page pdfkit document that calls the placeholder hook like it will. */
async function stubRenderPdf(
  content: EvidencePackContent,
  placeholder: SignaturePlaceholder,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    info: { Title: content.packId, CreationDate: new Date(content.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.fontSize(16).text(`Evidence pack: ${content.client.name}, ${content.periodLabel}`);
  placeholder(doc);
  doc.end();
  return done;
}

const hasBinary = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

let dir: string;
let key: SigningKey;
let pack: AssembledPack;
let entries: ArchiveEntry[];
const content = samplePackContent();
const events = samplePackEvents(content);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchproof-pack-'));
  const paths = await ensureDevelopmentKey(join(dir, 'data'), {
    warn: () => undefined,
    bits: 2048,
    now: new Date(Date.UTC(2026, 0, 5)),
  });
  key = await loadSigningKey(await developmentKeySource(paths));
  pack = await assemblePack({
    content,
    events: eventStreamOf(events),
    renderPdf: stubRenderPdf,
    key,
    outDir: join(dir, 'out'),
    eventsCap: 100_000,
    signingTime: new Date(content.generatedAt),
  });
  entries = await readPackArchive(pack.archivePath);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a copy of the pack with `change` applied to its entries. */
async function variant(name: string, change: (files: Map<string, Buffer>) => void): Promise<string> {
  const files = new Map(entries.map((entry) => [entry.name, Buffer.from(entry.data!)]));
  change(files);
  const path = join(dir, `${name}.zip`);
  await writePackArchive(
    [...files].map(([file, buffer]) => ({ name: file, buffer })),
    path,
  );
  return path;
}

describe('assemblePack', () => {
  it('writes patchproof-<packId>.zip with the nine files, and reports timings per part', () => {
    expect(pack.archivePath).toBe(join(dir, 'out', `patchproof-${content.packId}.zip`));
    expect(entries.map((entry) => entry.name)).toEqual(PACK_FILES);
    expect(pack.files.map((file) => file.name).sort()).toEqual(PACK_FILES);
    expect(pack.manifest.files.map((file) => file.name)).toEqual([
      'cases.csv',
      'events.csv.gz',
      'oscal-assessment-results.json',
      'oscal-poam.json',
      'pack.pdf',
      'pack.xlsx',
      'signing-cert.pem',
    ]);
    expect(pack.manifest.counts).toMatchObject({
      eventsCsvRows: events.length,
      eventsXlsxRows: events.length,
    });
    expect(pack.manifest.signature.keyId).toBe(key.keyId);
    for (const part of [
      'eventsCsvMs',
      'xlsxMs',
      'casesCsvMs',
      'oscalMs',
      'pdfRenderMs',
      'pdfSignMs',
      'manifestMs',
      'archiveMs',
    ] as const) {
      expect(pack.timings[part]).toBeGreaterThanOrEqual(0);
    }
    expect(pack.timings.totalMs).toBeGreaterThan(0);
  });

  it('carries OSCAL assessment-results and POA&M that validate against the v1.2.1 schemas', () => {
    for (const [name, kind] of [
      ['oscal-assessment-results.json', 'assessment-results'],
      ['oscal-poam.json', 'poam'],
    ] as const) {
      const doc: unknown = JSON.parse(entries.find((entry) => entry.name === name)!.data!.toString('utf8'));
      expect(validateOscal(doc, kind)).toEqual({ valid: true, errors: [] });
    }
  });

  it('refuses a renderer that never places the signature', async () => {
    await expect(
      assemblePack({
        content,
        events: eventStreamOf(events),
        renderPdf: (c) => stubRenderPdf(c, () => undefined),
        key,
        outDir: join(dir, 'out-bad'),
      }),
    ).rejects.toThrow(/placeholder 0 times/);
  });

  it('fails with the first failing part, after the others finished, and leaves no files behind', async () => {
    let csvFinished = false;
    const outDir = join(dir, 'out-failing');
    await expect(
      assemblePack({
        content,
        events: eventStreamOf(events),
        writeEventsCsv: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          csvFinished = true;
          return { rows: content.provenance.counts.events };
        },
        renderPdf: () => Promise.reject(new Error('the PDF renderer broke')),
        key,
        outDir,
      }),
    ).rejects.toThrow('the PDF renderer broke');
    expect(csvFinished).toBe(true);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('refuses events.csv.gz whose row count differs from the pack counts', async () => {
    await expect(
      assemblePack({
        content,
        events: eventStreamOf(events),
        writeEventsCsv: async () => ({ rows: content.provenance.counts.events + 1 }),
        renderPdf: stubRenderPdf,
        key,
        outDir: join(dir, 'out-count'),
      }),
    ).rejects.toThrow(/events.csv.gz holds .* events but the pack counts/);
  });
});

describe('verifyPack', () => {
  it('verifies an untouched pack, every check passing', async () => {
    const result = await verifyPack(pack.archivePath, [key.certificatePem]);
    expect(result.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.keyId).toBe(key.keyId);
    const checked = new Set(result.checks.map((check) => `${check.file}:${check.check}`));
    expect(checked).toEqual(
      new Set([
        'manifest.json.p7s:manifest-signature',
        'cases.csv:sha256',
        'oscal-assessment-results.json:sha256',
        'oscal-poam.json:sha256',
        'events.csv.gz:sha256',
        'pack.pdf:sha256',
        'pack.xlsx:sha256',
        'signing-cert.pem:sha256',
        'signing-cert.pem:key-id',
        'pack.pdf:pdf-signature',
      ]),
    );
  });

  it.each(PACK_FILES)('names %s, and only it, when one byte of it changes', async (file) => {
    const path = await variant(`flip-${file}`, (files) => {
      const bytes = files.get(file)!;
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at] ^ 0x20;
    });
    const result = await verifyPack(path, [key.certificatePem]);
    expect(result.ok).toBe(false);
    const failed = result.checks.filter((check) => !check.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((check) => check.file))).toEqual(new Set([file]));
  });

  it('names a missing file and an added one', async () => {
    const missing = await verifyPack(await variant('missing', (files) => files.delete('cases.csv')), [
      key.certificatePem,
    ]);
    expect(missing.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({ file: 'cases.csv', check: 'present' }),
    ]);
    const extra = await verifyPack(
      await variant('extra', (files) => files.set('readme.txt', Buffer.from('trust me'))),
      [key.certificatePem],
    );
    expect(extra.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({ file: 'readme.txt', check: 'listed' }),
    ]);
  });

  it('fails a pack signed by a key nobody trusted, even though it is intact', async () => {
    const other = await loadSigningKey(
      await developmentKeySource(
        await ensureDevelopmentKey(join(dir, 'other'), {
          warn: () => undefined,
          bits: 2048,
          now: new Date(Date.UTC(2026, 0, 5)),
        }),
      ),
    );
    const result = await verifyPack(pack.archivePath, [other.certificatePem]);
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      expect.objectContaining({ file: 'manifest.json.p7s', check: 'manifest-signature', ok: false }),
    ]);
    expect(result.checks[0].detail).toMatch(/not among the 1 trusted certificates/);
  });

  it('reports an archive it refuses to open instead of throwing', async () => {
    const junk = join(dir, 'junk.zip');
    writeFileSync(junk, Buffer.from('not a zip at all, just text'));
    const result = await verifyPack(junk, [key.certificatePem]);
    expect(result).toMatchObject({ ok: false, checks: [{ file: 'junk.zip', check: 'archive', ok: false }] });
  });

  const tools = hasBinary('openssl') && hasBinary('pdfsig');
  if (!tools) console.warn('openssl or pdfsig missing: skipping the external verification of a full pack');
  (tools ? it : it.skip)('verifies with openssl cms and pdfsig, without our code', () => {
    const out = join(dir, 'extracted');
    spawnSync('mkdir', ['-p', out]);
    for (const entry of entries) writeFileSync(join(out, entry.name), entry.data!);
    const cms = spawnSync(
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
      ].concat(['-CAfile', 'signing-cert.pem', '-purpose', 'any', '-out', '/dev/null']),
      { cwd: out, encoding: 'utf8' },
    );
    expect(cms.stderr).toContain('Verification successful');
    const pdfsig = spawnSync('pdfsig', ['-nocert', 'pack.pdf'], { cwd: out, encoding: 'utf8' }).stdout;
    expect(pdfsig).toContain('Signature is Valid.');
    expect(pdfsig).toContain('Total document signed');
  });
});
