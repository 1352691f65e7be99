/** One pino logger for the process. Authorization headers, cookies, tokens and passphrases are redacted. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.token',
  '*.passphrase',
  '*.secret',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'patchproof' },
  });
}

/** Nest token for the process logger (provided by AppModule). */
export const LOGGER = Symbol('LOGGER');
