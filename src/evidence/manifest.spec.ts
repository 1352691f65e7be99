import { samplePackContent } from '../../test/fixtures/sample-pack-content.js';
import { buildManifest, canonicalManifestBytes, parseManifest, type PackCounts } from './manifest.js';

const content = samplePackContent();
const counts: PackCounts = {
  ...content.provenance.counts,
  casesCsvRows: 80,
  eventsCsvRows: content.provenance.counts.events,
  eventsXlsxRows: content.provenance.counts.events,
  eventsXlsxCapped: false,
};
const files = [
  { name: 'pack.xlsx', sha256: 'b'.repeat(64), size: 20 },
  { name: 'pack.pdf', sha256: 'a'.repeat(64), size: 10 },
];
const manifest = buildManifest({
  content,
  files,
  keyId: 'c'.repeat(64),
  counts,
  ledger: content.provenance.ledger,
});

describe('manifest', () => {
  it('states what the pack is, what it holds and what it covers', () => {
    expect(manifest).toMatchObject({
      format: 'patchproof-evidence-pack',
      formatVersion: 1,
      packId: content.packId,
      tenant: content.tenant,
      client: { id: content.client.id, name: content.client.name },
      period: { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z', label: 'October 2026' },
      asOf: '2026-11-01T06:00:00.000Z',
      frameworks: ['pci-dss', 'hipaa'],
      policy: { key: 'pci-dss-6.3.3', version: 1, clock: 'release', digest: content.policy.digest },
      ledger: { headSeq: content.provenance.ledger.headSeq, headHash: content.provenance.ledger.headHash },
      counts: { events: content.provenance.counts.events, eventsXlsxCapped: false },
      generator: content.provenance.generator,
      signature: { keyId: 'c'.repeat(64), pdfSubFilter: 'adbe.pkcs7.detached' },
    });
    expect(manifest.catalogs.map((c) => c.digest)).toEqual(content.catalogs.map((c) => c.digest));
    expect(manifest.files.map((f) => f.name)).toEqual(['pack.pdf', 'pack.xlsx']);
  });

  it('serializes as RFC 8785 canonical JSON: sorted keys, no whitespace, re-serializable to the same bytes', () => {
    const bytes = canonicalManifestBytes(manifest);
    const text = bytes.toString('utf8');
    expect(text.startsWith('{"asOf":"2026-11-01T06:00:00.000Z","catalogs":[')).toBe(true);
    expect(text).not.toMatch(/\n|": /);
    expect(canonicalManifestBytes(JSON.parse(text)).equals(bytes)).toBe(true);
    expect(parseManifest(bytes)).toEqual(JSON.parse(text));
  });

  it('refuses a file listed twice or without a SHA-256 digest', () => {
    const input = { content, keyId: 'c'.repeat(64), counts, ledger: content.provenance.ledger };
    expect(() => buildManifest({ ...input, files: [files[0], files[0]] })).toThrow(/listed twice/);
    expect(() => buildManifest({ ...input, files: [{ name: 'x', sha256: 'nope', size: 1 }] })).toThrow(
      /SHA-256/,
    );
  });

  it('rejects a manifest of another format when parsing', () => {
    expect(() => parseManifest(Buffer.from('{"format":"other"}'))).toThrow(/format/);
    expect(() => parseManifest(Buffer.from('{not json'))).toThrow();
  });
});
