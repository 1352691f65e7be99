/**
 * Assembles one evidence pack: renders and signs every part, lists them in the signed manifest, and zips them as
 * `patchproof-<packId>.zip`:
 *
 *   pack.pdf (signed), pack.xlsx, cases.csv, events.csv.gz, signing-cert.pem,
 *   oscal-assessment-results.json, oscal-poam.json (validated OSCAL v1.2.1)  ← listed in the manifest
 *   manifest.json (RFC 8785), manifest.json.p7s (detached CMS over manifest.json)
 *
 * The parts are made at the same time when `concurrent`: on PostgreSQL the service makes events.csv.gz (formatted
 * by the database's COPY, started before the content) and pack.xlsx each in a worker thread of its own while this
 * thread writes cases.csv and OSCAL, draws the PDF and signs it (see `writeEventsCsv`, `writeXlsx`); without them
 * the parts share this thread (the PDF's case appendix lets the event loop run at each page break). Each part
 * streams, so memory stays bounded; the event stream is read twice (events.csv.gz, the XLSX Events sheet up to its
 * cap). With one database connection (the embedded database) they run one after another. Timings per part are
 * returned for benchmarks.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writePackArchive } from './archive.js';
import {
  CASES_CSV_FILE,
  EVENTS_CSV_FILE,
  writeCasesCsv,
  writeEventsCsvGz,
  type EventsCsvWritten,
} from './csv/pack-csv.js';
import {
  buildManifest,
  canonicalManifestBytes,
  MANIFEST_FILE,
  type ManifestFile,
  type PackManifest,
} from './manifest.js';
import type { EventStream, EvidencePackContent } from './pack-content.js';
import { packOscalFiles } from './oscal/pack-oscal.js';
import { hostnamesByAsset } from './pack-tables.js';
import { MANIFEST_SIGNATURE_FILE, signManifest } from './signing/manifest-signer.js';
import {
  addSignaturePlaceholder,
  PDF_SIGNATURE_SUBFILTER,
  signPdf,
  type SignaturePlaceholder,
  type SignaturePlaceholderInfo,
} from './signing/pdf-signer.js';
import { certificateChainPem, certificateCommonName, type SigningKey } from './signing/signing-keys.js';
import {
  DEFAULT_EVENTS_CAP,
  XLSX_FILE,
  type XlsxOptions,
  type XlsxResult,
} from './xlsx/pack-xlsx-options.js';

export const PDF_FILE = 'pack.pdf';
export const CERTIFICATE_FILE = 'signing-cert.pem';

export interface AssemblePackInput {
  content: EvidencePackContent;
  events: EventStream;
  /**
   * Writes events.csv.gz to the given path. The service passes a PostgreSQL COPY (`writeEventsCsvGzByCopy`, made
   * by the database server while this process renders the rest); without it the file is written from `events`.
   */
  writeEventsCsv?: (file: string) => Promise<EventsCsvWritten>;
  /**
   * Writes pack.xlsx to the given path. The service passes a worker thread (`runPackXlsxWorker`) on PostgreSQL with
   * concurrent parts; without it `writePackXlsx` runs on this thread, reading `events`.
   */
  writeXlsx?: (file: string, options: XlsxOptions) => Promise<XlsxResult>;
  /** Make events.csv.gz, the XLSX and the PDF at the same time (needs a second database connection); default true. */
  concurrent?: boolean;
  /** The PDF renderer; it must call `placeholder(doc)` on its open pdfkit document before `doc.end()`. */
  renderPdf: (content: EvidencePackContent, placeholder: SignaturePlaceholder) => Promise<Buffer>;
  key: SigningKey;
  outDir: string;
  eventsCap?: number;
  /** When the pack is signed (PDF `/M`, CMS signingTime); defaults to the current time. */
  signingTime?: Date;
  /** Overrides of what the PDF signature dictionary says (reason, name, location, contact). */
  signatureInfo?: Partial<SignaturePlaceholderInfo>;
}

export interface PackTimings {
  eventsCsvMs: number;
  xlsxMs: number;
  casesCsvMs: number;
  oscalMs: number;
  pdfRenderMs: number;
  pdfSignMs: number;
  hashMs: number;
  manifestMs: number;
  archiveMs: number;
  totalMs: number;
  /** When each part started, in ms from the start of the assembly (parts overlap when made concurrently). */
  startsMs: Partial<Record<Exclude<keyof PackTimings, 'totalMs' | 'startsMs'>, number>>;
}

export interface AssembledPack {
  archivePath: string;
  /** SHA-256 and size of the archive, taken while it was written. */
  archive: { sha256: string; size: number };
  manifest: PackManifest;
  /** Every file in the archive, the manifest and its signature included. */
  files: ManifestFile[];
  timings: PackTimings;
}

/**
 * Waits for every part, then fails with the first failure: a part still writing into the work folder must finish
 * before the folder is removed.
 */
async function allSettledOrThrow<A, B, C>(a: Promise<A>, b: Promise<B>, c: Promise<C>): Promise<[A, B, C]> {
  const failed = (await Promise.allSettled([a, b, c])).find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed) throw failed.reason;
  return [await a, await b, await c];
}

export function packArchiveName(packId: string): string {
  // The id becomes a file name: refuse anything that could leave the output folder or confuse a shell.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(packId))
    throw new Error(`pack id ${JSON.stringify(packId)} is not file-safe`);
  return `patchproof-${packId}.zip`;
}

export async function assemblePack(input: AssemblePackInput): Promise<AssembledPack> {
  const { content, events, key } = input;
  const archivePath = join(input.outDir, packArchiveName(content.packId));
  const signingTime = input.signingTime ?? new Date();
  const started = performance.now();
  const startsMs: PackTimings['startsMs'] = {};
  const timings: Partial<PackTimings> = { startsMs };
  const timed = async <T>(part: keyof PackTimings['startsMs'], work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    startsMs[part] = Math.round((t0 - started) * 10) / 10;
    try {
      return await work();
    } finally {
      timings[part] = Math.round((performance.now() - t0) * 10) / 10;
    }
  };

  await mkdir(input.outDir, { recursive: true });
  const workDir = await mkdtemp(join(input.outDir, `.${content.packId}-`));
  try {
    const path = (name: string) => join(workDir, name);
    const placeholderInfo: SignaturePlaceholderInfo = {
      reason: `Evidence pack ${content.packId}: ${content.client.name}, ${content.periodLabel}`,
      name: certificateCommonName(key.certificate) || 'Patchproof',
      location: content.tenant.name,
      contactInfo: content.tenant.name,
      signingTime,
      ...input.signatureInfo,
    };
    let placed = 0;
    const totalEvents = content.provenance.counts.events;
    const parts = {
      eventsCsv: () =>
        timed('eventsCsvMs', () =>
          input.writeEventsCsv
            ? input.writeEventsCsv(path(EVENTS_CSV_FILE))
            : writeEventsCsvGz(events, path(EVENTS_CSV_FILE), { hostnames: hostnamesByAsset(content) }),
        ),
      xlsx: () =>
        timed('xlsxMs', () => {
          const options = { eventsCap: input.eventsCap ?? DEFAULT_EVENTS_CAP, totalEvents };
          return input.writeXlsx
            ? input.writeXlsx(path(XLSX_FILE), options)
            : import('./xlsx/pack-xlsx.writer.js').then(({ writePackXlsx }) =>
                writePackXlsx(content, events, path(XLSX_FILE), options),
              );
        }),
      // The parts that need only the content and this thread (cases.csv, OSCAL, the PDF and its signature): they
      // run while the database and the worker threads make events.csv.gz and the XLSX. OSCAL comes first, while the
      // XLSX worker's heap is still small: its document trees are this thread's largest passing allocation.
      pdfAndRest: async () => {
        const casesCsv = await timed('casesCsvMs', () => writeCasesCsv(content, path(CASES_CSV_FILE)));
        const oscal = await timed('oscalMs', async () => {
          // Only their names, hashes and sizes are kept once written: the bytes (20 MB) and the documents' object
          // trees go at once.
          const written: ManifestFile[] = [];
          for (const file of packOscalFiles(content)) {
            await writeFile(path(file.name), file.bytes);
            written.push(describeBuffer(file.name, file.bytes));
          }
          return written;
        });
        const unsigned = await timed('pdfRenderMs', () =>
          input.renderPdf(content, (doc) => {
            placed++;
            addSignaturePlaceholder(doc, placeholderInfo);
          }),
        );
        if (placed !== 1)
          throw new Error(`the PDF renderer called the signature placeholder ${placed} times, not once`);
        const signedPdf = await timed('pdfSignMs', () => signPdf(unsigned, key, { signingTime }));
        await writeFile(path(PDF_FILE), signedPdf);
        return { casesCsv, oscal, pdf: describeBuffer(PDF_FILE, signedPdf) };
      },
    };
    const [eventsCsv, xlsx, { casesCsv, oscal, pdf }] =
      input.concurrent === false
        ? [await parts.eventsCsv(), await parts.xlsx(), await parts.pdfAndRest()]
        : await allSettledOrThrow(parts.eventsCsv(), parts.xlsx(), parts.pdfAndRest());
    if (eventsCsv.rows !== totalEvents)
      throw new Error(
        `events.csv.gz holds ${eventsCsv.rows} events but the pack counts ${totalEvents}: the period's events changed while the pack was made`,
      );
    const certificate = Buffer.from(certificateChainPem(key));
    await writeFile(path(CERTIFICATE_FILE), certificate);
    // Files whose bytes this thread holds, or whose writer hashed them on the way, are not read back to be hashed.
    const described = new Map<string, ManifestFile>([
      [PDF_FILE, pdf],
      [CERTIFICATE_FILE, describeBuffer(CERTIFICATE_FILE, certificate)],
      ...oscal.map((file): [string, ManifestFile] => [file.name, file]),
    ]);
    if (eventsCsv.sha256 !== undefined && eventsCsv.size !== undefined) {
      described.set(EVENTS_CSV_FILE, {
        name: EVENTS_CSV_FILE,
        sha256: eventsCsv.sha256,
        size: eventsCsv.size,
      });
    }

    const listed = [
      PDF_FILE,
      XLSX_FILE,
      CASES_CSV_FILE,
      EVENTS_CSV_FILE,
      ...oscal.map((file) => file.name),
      CERTIFICATE_FILE,
    ];
    const files = await timed('hashMs', () =>
      Promise.all(listed.map(async (name) => described.get(name) ?? describeFile(name, path(name)))),
    );

    const { manifest, manifestBytes, signature } = await timed('manifestMs', async () => {
      const built = buildManifest({
        content,
        files,
        keyId: key.keyId,
        ledger: content.provenance.ledger,
        counts: {
          ...content.provenance.counts,
          casesCsvRows: casesCsv.rows,
          eventsCsvRows: eventsCsv.rows,
          eventsXlsxRows: xlsx.eventRows,
          eventsXlsxCapped: xlsx.capped,
        },
        certificateFile: CERTIFICATE_FILE,
        manifestSignatureFile: MANIFEST_SIGNATURE_FILE,
        pdfSubFilter: PDF_SIGNATURE_SUBFILTER,
      });
      const bytes = canonicalManifestBytes(built);
      return { manifest: built, manifestBytes: bytes, signature: signManifest(bytes, key, signingTime) };
    });

    const archive = await timed('archiveMs', () =>
      writePackArchive(
        [
          ...listed.map((name) => ({ name, path: path(name) })),
          { name: MANIFEST_FILE, buffer: manifestBytes },
          { name: MANIFEST_SIGNATURE_FILE, buffer: signature },
        ],
        archivePath,
        { mtime: new Date(content.generatedAt) },
      ),
    );
    timings.totalMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      archivePath,
      archive,
      manifest,
      files: [
        ...files,
        describeBuffer(MANIFEST_FILE, manifestBytes),
        describeBuffer(MANIFEST_SIGNATURE_FILE, signature),
      ],
      timings: timings as PackTimings,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** SHA-256 and size of a file, streamed (an archive can be hundreds of MB). */
export async function describeFile(name: string, path: string): Promise<ManifestFile> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { name, sha256: hash.digest('hex'), size: (await stat(path)).size };
}

export function describeBuffer(name: string, bytes: Buffer): ManifestFile {
  return { name, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}
