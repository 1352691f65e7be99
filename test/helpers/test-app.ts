/** Starts the real HTTP stack on a fresh database and gives a GraphQL client bound to an API key. */
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { TenancyService } from '../../src/tenancy/tenancy.service.js';
import { freshDatabaseConfig } from './test-db.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read GraphQL answers loosely
export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  /** A new tenant with its admin key. */
  tenant(name: string): Promise<{ id: string; token: string }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  gql<T = any>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = await freshDatabaseConfig(env);
  const app = await createApp(config, createLogger(config.logLevel));
  await app.init();
  const server = app.getHttpServer();
  const tenancy = app.get(TenancyService);
  return {
    app,
    config,
    http: request(server),
    async tenant(name) {
      const { tenant, token } = await tenancy.bootstrap(name);
      return { id: tenant.id, token };
    },
    async gql(token, query, variables) {
      const req = request(server).post('/graphql').set('content-type', 'application/json');
      if (token) req.set('authorization', `Bearer ${token}`);
      const res = await req.send({ query, variables });
      return { status: res.status, data: res.body?.data, errors: res.body?.errors };
    },
    async close() {
      await app.close();
    },
  };
}
