/**
 * The pack archive: a zip written deterministically (entries sorted by name, fixed timestamps and modes, so the
 * same files give the same bytes) and read defensively. A verifier opens archives that strangers send it, so
 * reading refuses zip bombs (too many entries, sizes over the limits whether declared or actually inflated, an
 * extreme compression ratio) and any name that is not a plain relative path.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import zlib from 'node:zlib';
import { DomainError } from '../errors.js';
import { digesting } from './digest-stream.js';

/**
 * yazl takes each entry's CRC-32 from its own copy of buffer-crc32, a JavaScript loop: 0.6 s of the thread that
 * assembles a 131 MB pack. Node's `zlib.crc32` (native, Node 20.15 and later) computes the same function, so that
 * copy is given it, once, when available. The archive spec checks the CRCs with an independent reader (`unzip -t`).
 */
const yazlCrc32 = createRequire(createRequire(import.meta.url).resolve('yazl'))('buffer-crc32') as {
  unsigned(buffer: Buffer, previous?: number): number;
};
if (typeof zlib.crc32 === 'function') {
  yazlCrc32.unsigned = (buffer, previous) => zlib.crc32(buffer, previous ?? 0);
}

export interface ArchiveInput {
  name: string;
  path?: string;
  buffer?: Buffer;
}

export interface ArchiveLimits {
  maxEntries: number;
  /** Sum of the inflated sizes of all entries. */
  maxTotalBytes: number;
  maxEntryBytes: number;
  /** Inflated size / compressed size, checked for entries of at least {@link RATIO_FLOOR_BYTES}. */
  maxRatio: number;
}

/** Limits for verifying one pack: a handful of files; events.csv.gz is the large one and is already compressed. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: 32,
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntryBytes: 2 * 1024 ** 3,
  maxRatio: 200,
};

/** Below this inflated size an entry's ratio is not checked: a small text file may compress 1000:1 harmlessly. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export interface ArchiveEntry {
  name: string;
  size: number;
  compressedSize: number;
  sha256: string;
  /** The bytes, for the entries the caller asked to keep. */
  data?: Buffer;
}

/** Pack file names: relative, `/`-separated segments of letters, digits, `.`, `_`, `-`, not starting with a dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function isSafeEntryName(name: string): boolean {
  return name.length <= 255 && SAFE_NAME.test(name);
}

const ALREADY_COMPRESSED = /\.(gz|xlsx|zip|png|jpg)$/i;

/**
 * Writes the files into a zip at `outPath` (atomically: a partial file is renamed into place). Every entry gets
 * `mtime` (default: the DOS epoch) and mode 0644, so the output depends only on the names and bytes. Resolves to
 * the archive's SHA-256 and size, taken on the way to the file.
 */
export async function writePackArchive(
  files: readonly ArchiveInput[],
  outPath: string,
  options: { mtime?: Date } = {},
): Promise<{ sha256: string; size: number }> {
  const mtime = options.mtime ?? new Date(1980, 0, 1, 12);
  const names = new Set<string>();
  for (const file of files) {
    if (!isSafeEntryName(file.name))
      throw new Error(`archive: unsafe entry name ${JSON.stringify(file.name)}`);
    if (names.has(file.name)) throw new Error(`archive: ${file.name} added twice`);
    if ((file.path === undefined) === (file.buffer === undefined)) {
      throw new Error(`archive: ${file.name} needs exactly one of path or buffer`);
    }
    names.add(file.name);
  }
  const zip = new yazl.ZipFile();
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const entryOptions = { mtime, mode: 0o100644, compress: !ALREADY_COMPRESSED.test(file.name) };
    if (file.buffer) zip.addBuffer(file.buffer, file.name, entryOptions);
    else zip.addFile(file.path!, file.name, entryOptions);
  }
  zip.end();
  const partial = `${outPath}.partial`;
  const digest = digesting();
  try {
    await pipeline(zip.outputStream, digest.stream, createWriteStream(partial));
    await rename(partial, outPath);
    return digest.result();
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

const refuse = (message: string, tooLarge = false): DomainError =>
  new DomainError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'UNPROCESSABLE', `archive refused: ${message}`);

/**
 * Reads every entry, hashing it while it inflates, and keeps the bytes of the entries `keep` selects (all by
 * default). Throws a DomainError naming the first limit or rule an entry breaks.
 */
export async function readPackArchive(
  path: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  options: { keep?: (name: string) => boolean } = {},
): Promise<ArchiveEntry[]> {
  const keep = options.keep ?? (() => true);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(
      path,
      {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: true,
        validateEntrySizes: true,
        strictFileNames: true,
      },
      (error, zipfile) => (error ? reject(refuse(error.message)) : resolve(zipfile)),
    );
  });
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw refuse(`${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`, true);
    }
    const entries: ArchiveEntry[] = [];
    const seen = new Set<string>();
    let declaredTotal = 0;
    let inflatedTotal = 0;
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) break;
      const name = entry.fileName;
      if (!isSafeEntryName(name))
        throw refuse(`entry name ${JSON.stringify(name)} is not a plain relative path`);
      if (seen.has(name)) throw refuse(`entry ${name} appears twice`);
      seen.add(name);
      if (entry.isEncrypted()) throw refuse(`entry ${name} is encrypted`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw refuse(`entry ${name} uses compression method ${entry.compressionMethod}`);
      }
      checkSizes(name, entry.uncompressedSize, entry.compressedSize, limits, 'declares');
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxTotalBytes) {
        throw refuse(`entries declare more than ${limits.maxTotalBytes} bytes in total`, true);
      }
      const { size, sha256, data } = await inflate(
        zip,
        entry,
        limits,
        limits.maxTotalBytes - inflatedTotal,
        keep(name),
      );
      inflatedTotal += size;
      entries.push({ name, size, compressedSize: entry.compressedSize, sha256, data });
    }
    return entries;
  } finally {
    zip.close();
  }
}

function checkSizes(
  name: string,
  size: number,
  compressed: number,
  limits: ArchiveLimits,
  verb: string,
): void {
  if (size > limits.maxEntryBytes) {
    throw refuse(`entry ${name} ${verb} ${size} bytes, more than the limit of ${limits.maxEntryBytes}`, true);
  }
  if (size >= RATIO_FLOOR_BYTES && size / Math.max(compressed, 1) > limits.maxRatio) {
    throw refuse(
      `entry ${name} ${verb} a compression ratio of ${Math.round(size / Math.max(compressed, 1))}:1, over ${limits.maxRatio}:1`,
      true,
    );
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(refuse(error.message));
    };
    zip.once('entry', onEntry);
    zip.once('end', onEnd);
    zip.once('error', onError);
    zip.readEntry();
  });
}

/** Inflates one entry, counting real bytes: a lying header is caught by yauzl's size check and by ours. */
async function inflate(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  limits: ArchiveLimits,
  remainingTotal: number,
  keepData: boolean,
): Promise<{ size: number; sha256: string; data?: Buffer }> {
  const stream = await new Promise<Readable>((resolve, reject) => {
    zip.openReadStream(entry, (error, readStream) =>
      error ? reject(refuse(error.message)) : resolve(readStream),
    );
  });
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > remainingTotal)
        throw refuse(`entries inflate to more than ${limits.maxTotalBytes} bytes`, true);
      checkSizes(entry.fileName, size, entry.compressedSize, limits, 'inflates to');
      hash.update(chunk);
      if (keepData) chunks.push(chunk);
    }
  } catch (error) {
    stream.destroy();
    throw error instanceof DomainError
      ? error
      : refuse(`entry ${entry.fileName}: ${(error as Error).message}`);
  }
  return { size, sha256: hash.digest('hex'), data: keepData ? Buffer.concat(chunks) : undefined };
}
