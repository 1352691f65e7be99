/** One pino logger for the process. Authorization headers, cookies, tokens and passphrases are redacted. */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.token',
  '*.passphrase',
  '*.secret',
];

/** `destination`: where lines go (default stdout); tests pass a stream to read what would be printed. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'patchproof' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest token for the process logger (provided by AppModule). */
export const LOGGER = Symbol('LOGGER');
