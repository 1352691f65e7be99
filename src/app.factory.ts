/** Builds the Nest application for `main.ts` and for the e2e tests, so both run the same HTTP stack. */
import crypto from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { HttpExceptionFilter } from './api/http-exception.filter.js';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config.js';
import { REDACT_PATHS } from './logger.js';

/** body-parser errors (413 too large, 400 malformed JSON) as JSON, never an HTML page or a 500. */
function bodyErrorHandler(
  err: { status?: number; type?: string; message?: string },
  _req: Request,
  res: Response,
  next: NextFunction,
) {
  if (!err.status || err.status >= 500) return next(err);
  const code = err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
  res.status(err.status).json({ errors: [{ message: err.message ?? 'bad request', extensions: { code } }] });
}

/** `/s/<token>…` → `/s/[redacted]…`, for logs. */
export function redactSharePath(url: string | undefined): string | undefined {
  return url?.replace(/^\/s\/[^/?#]+/, '/s/[redacted]');
}

/** Share-link tokens travel in the path; the request log keeps the route, never the token. */
export const REQUEST_LOG_SERIALIZERS = {
  req: (req: { url?: string; params?: Record<string, string> }) => ({
    ...req,
    url: redactSharePath(req.url),
    params: req.params?.token ? { ...req.params, token: '[redacted]' } : req.params,
  }),
};

export async function createApp(config: AppConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: config.logLevel === 'silent' ? false : ['error', 'warn'],
  });
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: REQUEST_LOG_SERIALIZERS,
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    }),
  );
  // NDJSON ingest streams its body itself; everything else is JSON up to BODY_LIMIT.
  app.use(express.json({ limit: config.bodyLimit }));
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(bodyErrorHandler);
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  app.enableShutdownHooks();
  return app;
}
