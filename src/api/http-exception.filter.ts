/** HTTP routes: DomainError → its status and a JSON body naming the field; anything else masked and logged. */
import crypto from 'node:crypto';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, isDatabaseUnavailable } from '../errors.js';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // GraphQL errors are formatted by Apollo (see error-format.ts); this filter answers plain HTTP only.
    if (host.getType<string>() === 'graphql') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof DomainError) {
      if (exception.code === 'RATE_LIMITED' || exception.code === 'UNAVAILABLE') {
        res.setHeader(
          'Retry-After',
          String(typeof exception.details.retryAfter === 'number' ? exception.details.retryAfter : 1),
        );
      }
      res
        .status(exception.httpStatus)
        .json({ error: { code: exception.code, message: exception.message, ...exception.details } });
      return;
    }
    if (exception instanceof HttpException) {
      res.status(exception.getStatus()).json({ error: { code: 'HTTP_ERROR', message: exception.message } });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      res.setHeader('Retry-After', '2');
      res.status(503).json({ error: { code: 'UNAVAILABLE', message: 'database unavailable, retry later' } });
      return;
    }
    const errorId = crypto.randomUUID();
    this.logger.error({ err: exception, errorId }, 'unhandled HTTP error');
    res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error', errorId } });
  }
}
