/**
 * Logs never carry an API key: requests with keys (accepted, refused, failing, creating a new key) run through the
 * real HTTP stack with the process logger at `trace`, writing into a stream this test reads. The authorization header
 * must show up redacted (so the test sees the request logs at all) and no token or secret part anywhere.
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/logger.js';
import { TenancyService } from '../src/tenancy/tenancy.service.js';
import { freshDatabaseConfig } from './helpers/test-db.js';

describe('log redaction (e2e)', () => {
  it('redacts authorization headers and never prints an API key', async () => {
    const lines: string[] = [];
    const keys: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const config = await freshDatabaseConfig({ LOG_LEVEL: 'trace' });
    const app = await createApp(config, createLogger('trace', sink));
    await app.init();
    try {
      const server = app.getHttpServer();
      const { token } = await app.get(TenancyService).bootstrap('Log MSP');
      const gql = (key: string, query: string, variables: Record<string, unknown> = {}) =>
        request(server)
          .post('/graphql')
          .set('authorization', `Bearer ${key}`)
          .set('content-type', 'application/json')
          .send({ query, variables });

      const created = await gql(
        token,
        `mutation { createApiKey(input: {role: ingest, label: "rmm"}) { token } }`,
      );
      const newToken = created.body.data.createApiKey.token as string;
      keys.push(token, newToken);
      await gql(token, `{ tenant { id } clients { id } }`);
      // A key with a broken checksum, and one whose secret is wrong: refused, and the refusal logged.
      await gql(`${token.slice(0, -1)}x`, `{ tenant { id } }`);
      await gql(token.replace(/_([A-Za-z0-9]{4})/, '_AAAA'), `{ tenant { id } }`);
      // Failing operations, with the key also echoed into variables and the body.
      await gql(token, `mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: newToken });
      await gql(token, `query { client(id: "${newToken}") { id } }`);
      await request(server)
        .get('/v1/packs/00000000-0000-4000-8000-000000000000/download')
        .set('authorization', `Bearer ${newToken}`);
      await request(server)
        .post('/v1/events')
        .set('authorization', `Bearer ${newToken}`)
        .set('content-type', 'application/x-ndjson')
        .send(`{"kind":"deployed","token":"${newToken}"}\nnot json\n`);
    } finally {
      await app.close();
    }

    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(log).toMatch(/"authorization":"\[redacted\]"/);
    // The whole token, and its secret part alone (what follows the public id).
    for (const key of keys) {
      expect(log).not.toContain(key);
      expect(log).not.toContain(key.split('_')[2].slice(0, 16));
    }
    expect(secretsIn(log)).toEqual([]);
  });
});

/** Anything in the log that looks like an API key (`ppk_<public id>_<secret…>`). */
function secretsIn(text: string): string[] {
  return [...text.matchAll(/ppk_[A-Za-z0-9]+_[A-Za-z0-9]{8,}/g)].map((m) => m[0]);
}
