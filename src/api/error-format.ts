/**
 * One place where errors become what a caller sees. DomainErrors keep their message and code; GraphQL's own
 * validation errors keep theirs (minus "Did you mean" hints in production); everything else is masked to
 * INTERNAL_SERVER_ERROR with an error id, and logged, because it may carry SQL, a DSN or a secret.
 */
import crypto from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError, isDatabaseUnavailable } from '../errors.js';

const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'QUERY_TOO_COSTLY',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function formatGraphqlError(logger: Logger, production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        path: formatted.path,
        extensions: { code: original.code, ...original.details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code)) {
      const message = production ? formatted.message.replace(/ Did you mean .*$/, '') : formatted.message;
      return { message, locations: formatted.locations, extensions: { code } };
    }
    if (isDatabaseUnavailable(original)) {
      return {
        message: 'database unavailable, retry later',
        path: formatted.path,
        extensions: { code: 'UNAVAILABLE' },
      };
    }
    const errorId = crypto.randomUUID();
    logger.error({ err: original, errorId, path: formatted.path }, 'unhandled GraphQL error');
    return {
      message: 'internal error',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    };
  };
}
