import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../errors.js';
import { readPackArchive, writePackArchive, type ArchiveLimits } from './archive.js';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'patchproof-archive-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const generous: ArchiveLimits = {
  maxEntries: 10,
  maxTotalBytes: 64 * 1024 ** 2,
  maxEntryBytes: 32 * 1024 ** 2,
  maxRatio: 100,
};
const mtime = new Date(Date.UTC(2026, 10, 2, 9, 15));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Rewrites every occurrence of an entry name (local header and central directory) with one of the same length. */
function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  expect(from.length).toBe(to.length);
  return Buffer.from(zip.toString('latin1').split(from).join(to), 'latin1');
}

/** Sets the declared uncompressed size of every central-directory entry (what yauzl trusts before inflating). */
function declareSize(zip: Buffer, size: number): Buffer {
  const copy = Buffer.from(zip);
  for (
    let at = copy.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    at !== -1;
    at = copy.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)
  ) {
    copy.writeUInt32LE(size, at + 24);
  }
  return copy;
}

async function refusal(path: string, limits: ArchiveLimits = generous): Promise<DomainError> {
  try {
    await readPackArchive(path, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('the archive was accepted');
}

describe('writePackArchive / readPackArchive', () => {
  it('round-trips files, sorted by name, with the same bytes every time', async () => {
    const pdfPath = join(dir, 'source.pdf');
    writeFileSync(pdfPath, Buffer.from('%PDF-1.7 test'));
    const files = [
      { name: 'pack.pdf', path: pdfPath },
      { name: 'manifest.json', buffer: Buffer.from('{"a":1}') },
      { name: 'events.csv.gz', buffer: randomBytes(5000) },
    ];
    await writePackArchive(files, join(dir, 'a.zip'), { mtime });
    await writePackArchive([...files].reverse(), join(dir, 'b.zip'), { mtime });
    expect(readFileSync(join(dir, 'a.zip')).equals(readFileSync(join(dir, 'b.zip')))).toBe(true);

    const entries = await readPackArchive(join(dir, 'a.zip'), generous);
    expect(entries.map((e) => e.name)).toEqual(['events.csv.gz', 'manifest.json', 'pack.pdf']);
    expect(entries[1].data!.toString()).toBe('{"a":1}');
    expect(entries[2].sha256).toBe(sha(readFileSync(pdfPath)));
  });

  it('writes CRC-32s that an independent reader accepts, and returns the SHA-256 and size of the archive', async () => {
    // Larger than one read of the file stream, so the CRC is carried from chunk to chunk.
    const big = join(dir, 'big.csv');
    writeFileSync(big, Buffer.concat([randomBytes(300_000), Buffer.from('id,at\r\n'.repeat(50_000))]));
    const out = join(dir, 'crc.zip');
    const written = await writePackArchive(
      [
        { name: 'cases.csv', path: big },
        { name: 'events.csv.gz', buffer: randomBytes(70_000) },
        { name: 'empty.json', buffer: Buffer.alloc(0) },
      ],
      out,
      { mtime },
    );
    expect(written).toEqual({ sha256: sha(readFileSync(out)), size: readFileSync(out).length });
    const unzip = spawnSync('unzip', ['-tq', out], { encoding: 'utf8' });
    if (unzip.error) {
      console.warn('unzip not installed: the CRC-32s are checked by Python only');
    } else {
      expect(unzip.stdout).toMatch(/No errors detected/);
      expect(unzip.status).toBe(0);
    }
    const python = spawnSync(
      'python3',
      ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())', out],
      { encoding: 'utf8' },
    );
    if (!python.error) expect(python.stdout.trim()).toBe('None');
    expect(unzip.error && python.error).toBeFalsy();
  });

  it('keeps only the bytes asked for, but hashes everything', async () => {
    await writePackArchive(
      [
        { name: 'big.bin', buffer: randomBytes(2048) },
        { name: 'small.txt', buffer: Buffer.from('x') },
      ],
      join(dir, 'k.zip'),
      { mtime },
    );
    const entries = await readPackArchive(join(dir, 'k.zip'), generous, {
      keep: (name) => name === 'small.txt',
    });
    expect(entries[0]).toMatchObject({ name: 'big.bin', size: 2048, data: undefined });
    expect(entries[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entries[1].data!.toString()).toBe('x');
  });

  it('refuses unsafe names when writing', async () => {
    await expect(
      writePackArchive([{ name: '../x', buffer: Buffer.from('') }], join(dir, 'n.zip')),
    ).rejects.toThrow(/unsafe/);
  });
});

describe('readPackArchive refuses hostile archives', () => {
  it('path traversal and absolute names', async () => {
    await writePackArchive([{ name: 'xx/evil.txt', buffer: Buffer.from('boo') }], join(dir, 't.zip'), {
      mtime,
    });
    const zip = readFileSync(join(dir, 't.zip'));
    writeFileSync(join(dir, 'traversal.zip'), renameEntry(zip, 'xx/evil.txt', '../evil.txt'));
    expect((await refusal(join(dir, 'traversal.zip'))).message).toMatch(/archive refused: .*\.\.\/evil\.txt/);
    writeFileSync(join(dir, 'absolute.zip'), renameEntry(zip, 'xx/evil.txt', '/x/evil.txt'));
    expect((await refusal(join(dir, 'absolute.zip'))).message).toMatch(/archive refused/);
    writeFileSync(join(dir, 'hidden.zip'), renameEntry(zip, 'xx/evil.txt', 'xx/.ssh_key'));
    expect((await refusal(join(dir, 'hidden.zip'))).message).toMatch(/not a plain relative path/);
  });

  it('too many entries', async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({
      name: `f${i}.txt`,
      buffer: Buffer.from(String(i)),
    }));
    await writePackArchive(files, join(dir, 'many.zip'), { mtime });
    const error = await refusal(join(dir, 'many.zip'));
    expect(error.message).toMatch(/11 entries/);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a compression bomb (ratio), an entry over the size limit, and a total over the limit', async () => {
    await writePackArchive(
      [{ name: 'zeros.txt', buffer: Buffer.alloc(8 * 1024 ** 2) }],
      join(dir, 'bomb.zip'),
      { mtime },
    );
    expect((await refusal(join(dir, 'bomb.zip'))).message).toMatch(/compression ratio of \d+:1/);

    await writePackArchive([{ name: 'big.bin', buffer: randomBytes(300_000) }], join(dir, 'big.zip'), {
      mtime,
    });
    expect((await refusal(join(dir, 'big.zip'), { ...generous, maxEntryBytes: 100_000 })).message).toMatch(
      /declares 300000 bytes/,
    );

    const parts = [0, 1, 2].map((i) => ({ name: `p${i}.bin`, buffer: randomBytes(100_000) }));
    await writePackArchive(parts, join(dir, 'total.zip'), { mtime });
    expect((await refusal(join(dir, 'total.zip'), { ...generous, maxTotalBytes: 250_000 })).message).toMatch(
      /in total/,
    );
  });

  it('an entry that inflates to more than its header declares', async () => {
    await writePackArchive([{ name: 'liar.bin', buffer: randomBytes(400_000) }], join(dir, 'liar-src.zip'), {
      mtime,
    });
    writeFileSync(join(dir, 'liar.zip'), declareSize(readFileSync(join(dir, 'liar-src.zip')), 1000));
    const error = await refusal(join(dir, 'liar.zip'), { ...generous, maxEntryBytes: 200_000 });
    expect(error.message).toMatch(/liar\.bin: too many bytes/);
  });

  it('a file that is not a zip', async () => {
    writeFileSync(join(dir, 'junk.zip'), randomBytes(300));
    expect((await refusal(join(dir, 'junk.zip'))).code).toBe('UNPROCESSABLE');
  });
});
