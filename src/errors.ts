/**
 * The error vocabulary. Services throw DomainError; one GraphQL formatter and one HTTP filter turn the code into
 * `extensions.code` / an HTTP status. Anything else is masked and logged (it may carry SQL or secrets).
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** The input field at fault, e.g. `events[3].occurredAt`. */
  field?: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

export const notFound = (what: string): DomainError => new DomainError('NOT_FOUND', `${what} not found`);
export const badInput = (field: string, reason: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${reason}`, { field });

/** True when a pg error means the database is unreachable (so callers answer 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    '57P01',
    '57P02',
    '57P03',
    '08006',
    '08001',
    '08003',
  ];
  if (e.code && codes.includes(e.code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    e.message ?? '',
  );
}
