/**
 * Hashes and counts bytes on their way to a file: the SHA-256 and size of a large pack file (events.csv.gz, 130 MB
 * for a million events; the archive itself) without reading the file back.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export function digesting(): { stream: Transform; result: () => { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), size }) };
}
