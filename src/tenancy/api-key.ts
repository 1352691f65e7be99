/**
 * API key format: `ppk_<publicId>_<secret><check>`. The public id finds the row; only SHA-256(secret) is stored
 * (the secret carries 192 random bits, so an unsalted hash is safe to store, as for GitHub tokens); the 6-character
 * CRC-32 check lets the guard reject mistyped or made-up keys without a database lookup.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const PATTERN = /^ppk_([a-z0-9]{16})_([A-Za-z0-9_-]{32})([a-z0-9]{6})$/;

export interface ParsedApiKey {
  publicId: string;
  secret: string;
}

function check(body: string): string {
  return zlib.crc32(body).toString(36).padStart(6, '0').slice(-6);
}

export function generateApiKey(): { token: string; publicId: string; secretHash: string; last4: string } {
  const publicId = crypto.randomBytes(10).toString('hex').slice(0, 16);
  const secret = crypto.randomBytes(24).toString('base64url');
  const body = `ppk_${publicId}_${secret}`;
  const token = body + check(body);
  return { token, publicId, secretHash: hashSecret(secret), last4: token.slice(-4) };
}

export function parseApiKey(token: string): ParsedApiKey | null {
  const m = PATTERN.exec(token);
  if (!m) return null;
  const [, publicId, secret, sum] = m;
  if (check(`ppk_${publicId}_${secret}`) !== sum) return null;
  return { publicId, secret };
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
