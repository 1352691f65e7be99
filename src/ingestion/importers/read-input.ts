/**
 * Bytes → text for the importers: rotated logs (`history.log.1.gz`, `dpkg.log.2.gz`) are gzipped, current ones
 * are not, and a caller should not have to know which it holds.
 */
import { constants, gunzipSync } from 'node:zlib';

/**
 * Decompresses gzip (recognised by its magic bytes, not the file name; concatenated members included) and
 * decodes UTF-8, invalid sequences becoming U+FFFD. A gzip file cut short (copied while logrotate wrote it)
 * yields the text that was complete, and the importer reports the cut record; corrupt gzip data throws, since
 * there is no text to import at all.
 */
export function readMaybeGzip(buf: Buffer): string {
  const gzipped = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  const bytes = gzipped ? gunzipSync(buf, { finishFlush: constants.Z_SYNC_FLUSH }) : buf;
  return new TextDecoder('utf-8').decode(bytes);
}
