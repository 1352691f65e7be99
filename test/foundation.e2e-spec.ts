import { APP_ROLE, withTenant } from '../src/database/tenant-scope.js';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './helpers/test-app.js';

describe('service foundation (e2e)', () => {
  let t: TestApp;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let clientA: string;
  let assetA: string;

  beforeAll(async () => {
    t = await startTestApp();
    a = await t.tenant('Harbor IT');
    b = await t.tenant('Rival MSP');
    const c = await t.gql(
      a.token,
      `mutation { createClient(input: {name: "Northwind Dental", frameworks: [hipaa, pci_dss], timeZone: "America/Chicago"}) { id frameworks } }`,
    );
    expect(c.errors).toBeUndefined();
    clientA = c.data.createClient.id;
    expect(c.data.createClient.frameworks).toEqual(['hipaa', 'pci_dss']);
    const as = await t.gql(
      a.token,
      `mutation($c: ID!) { createAsset(input: {clientId: $c, hostname: "srv-zürich-01", criticality: "critical", legacy: true}) { id hostname } }`,
      { c: clientA },
    );
    expect(as.errors).toBeUndefined();
    assetA = as.data.createAsset.id;
  });
  afterAll(() => t.close());

  it('serves health with the database reachable and migrations current', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'ok', migrations: 'current' });
  });

  it('exposes Prometheus metrics', async () => {
    const res = await t.http.get('/metrics');
    expect(res.text).toContain('patchproof_process_cpu_seconds_total');
  });

  it('lets tenant A read its own client and asset', async () => {
    const r = await t.gql(
      a.token,
      `query($c: ID!) { client(id: $c) { name } assets(clientId: $c) { hostname legacy } }`,
      { c: clientA },
    );
    expect(r.data.client.name).toBe('Northwind Dental');
    expect(r.data.assets).toEqual([{ hostname: 'srv-zürich-01', legacy: true }]);
  });

  it("returns nothing or not-found to tenant B for every query over tenant A's ids", async () => {
    const list = await t.gql(b.token, `{ clients { id } apiKeys { id } tenant { id } }`);
    expect(list.data.clients).toEqual([]);
    expect(list.data.apiKeys).toHaveLength(1);
    expect(list.data.tenant.id).toBe(b.id);
    const one = await t.gql(b.token, `query($c: ID!) { client(id: $c) { id } }`, { c: clientA });
    expect(one.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const assets = await t.gql(b.token, `query($c: ID!) { assets(clientId: $c) { id } }`, { c: clientA });
    expect(assets.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const asset = await t.gql(
      b.token,
      `mutation($c: ID!) { createAsset(input: {clientId: $c, hostname: "intruder"}) { id } }`,
      { c: clientA },
    );
    expect(asset.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const keys = await t.gql(a.token, `{ apiKeys { id } }`);
    const revoke = await t.gql(b.token, `mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, {
      k: keys.data.apiKeys[0].id,
    });
    expect(revoke.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const still = await t.gql(a.token, `{ tenant { id } }`);
    expect(still.data.tenant.id).toBe(a.id);
  });

  it('a raw SQL query as the app role without the tenant setting sees no rows', async () => {
    const ds = t.app.get(DataSource);
    const counts = await ds.transaction(async (em) => {
      await em.query(`SELECT set_config('role', $1, true)`, [APP_ROLE]);
      const [row] = await em.query(
        `SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM clients)::int AS clients,
                (SELECT count(*) FROM assets)::int AS assets, (SELECT count(*) FROM api_keys)::int AS keys`,
      );
      return row;
    });
    expect(counts).toEqual({ tenants: 0, clients: 0, assets: 0, keys: 0 });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM assets WHERE id = $1`, [assetA]);
    expect(n).toBe(1);
  });

  it('scopes a client_viewer key to its one client', async () => {
    const other = await t.gql(
      a.token,
      `mutation { createClient(input: {name: "Contoso Pharmacy", frameworks: [pci_dss]}) { id } }`,
    );
    const k = await t.gql(
      a.token,
      `mutation($c: ID!) { createApiKey(input: {role: client_viewer, clientId: $c, label: "officer"}) { token key { role } } }`,
      { c: clientA },
    );
    const viewer = k.data.createApiKey.token as string;
    const list = await t.gql(viewer, `{ clients { name } }`);
    expect(list.data.clients).toEqual([{ name: 'Northwind Dental' }]);
    const sibling = await t.gql(viewer, `query($c: ID!) { client(id: $c) { id } }`, {
      c: other.data.createClient.id,
    });
    expect(sibling.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const write = await t.gql(viewer, `mutation { createClient(input: {name: "x", frameworks: []}) { id } }`);
    expect(write.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses unknown, malformed, revoked and expired keys with an authentication error', async () => {
    const none = await t.gql(null, `{ tenant { id } }`);
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const bogus = await t.gql(
      'ppk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000',
      `{ tenant { id } }`,
    );
    expect(bogus.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const k = await t.gql(a.token, `mutation { createApiKey(input: {role: ingest}) { token key { id } } }`);
    const ingest = k.data.createApiKey.token as string;
    expect((await t.gql(ingest, `{ tenant { id } }`)).errors).toBeUndefined();
    await t.gql(a.token, `mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }`, {
      k: k.data.createApiKey.key.id,
    });
    const revoked = await t.gql(ingest, `{ tenant { id } }`);
    expect(revoked.status).toBeLessThan(500);
    expect(revoked.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const ds = t.app.get(DataSource);
    const aud = await t.gql(
      a.token,
      `mutation($c: ID!, $e: DateTime!) { createApiKey(input: {role: auditor, clientId: $c, expiresAt: $e}) { token key { id } } }`,
      { c: clientA, e: new Date(Date.now() + 3600_000).toISOString() },
    );
    await ds.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      aud.data.createApiKey.key.id,
    ]);
    const expired = await t.gql(aud.data.createApiKey.token, `{ clients { id } }`);
    expect(expired.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stores only the hash of a key', async () => {
    const k = await t.gql(
      a.token,
      `mutation { createApiKey(input: {role: ingest, label: "rmm"}) { token key { id } } }`,
    );
    const token = k.data.createApiKey.token as string;
    const ds = t.app.get(DataSource);
    const [row] = await ds.query(`SELECT row_to_json(k)::text AS j FROM api_keys k WHERE id = $1`, [
      k.data.createApiKey.key.id,
    ]);
    expect(row.j).not.toContain(token.slice(21, 53));
  });

  it('refuses a query nested 20 deep, 1,000 aliases and a 10 MB body, none with a 500', async () => {
    // Built from a synthetic chain: the depth rule reports it whether or not the fields exist.
    let deep = 'id';
    for (let i = 0; i < 20; i++) deep = `f${i} { ${deep} }`;
    const depth = await t.gql(a.token, `{ tenant { ${deep} } }`);
    expect(depth.status).toBe(400);
    expect(depth.errors?.map((e) => e.message).join('\n')).toMatch(/exceeds maximum operation depth of 10/);
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: tenant { id }`).join(' ');
    const many = await t.gql(a.token, `{ ${aliases} }`);
    expect(many.status).toBe(400);
    expect(many.errors?.[0].message).toMatch(/Too many aliases/);
    const big = await t.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${a.token}`)
      .send(JSON.stringify({ query: `{ tenant { id } }`, variables: { pad: 'x'.repeat(10 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect(big.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('blocks GET and text/plain GraphQL requests without a preflight header (CSRF)', async () => {
    const res = await t.http
      .post('/graphql')
      .set('content-type', 'text/plain')
      .send('{"query":"{ tenant { id } }"}');
    expect(res.status).toBe(400);
  });

  it('masks unexpected errors and keeps domain errors readable', async () => {
    const r = await t.gql(
      a.token,
      `mutation { createClient(input: {name: "Bad zone", frameworks: [hipaa], timeZone: "Mars/Olympus"}) { id } }`,
    );
    expect(r.errors?.[0].message).toBe('timeZone: unknown IANA time zone "Mars/Olympus"');
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
  });
});

describe('transactions on the database under concurrent requests', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps a rolled-back write rolled back while concurrent requests commit', async () => {
    const ds = t.app.get(DataSource);
    const { id: tenantId } = await t.tenant('Concurrency MSP');
    const attempt = (i: number) =>
      withTenant(ds, tenantId, async (em) => {
        await em.query(`INSERT INTO clients (id, tenant_id, name) VALUES (gen_random_uuid(), $1, $2)`, [
          tenantId,
          `client-${i}`,
        ]);
        await new Promise((r) => setTimeout(r, 5));
        if (i % 3 === 0) throw new Error(`rollback ${i}`);
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => attempt(i)));
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(10);
    const names: { name: string }[] = await withTenant(ds, tenantId, (em) =>
      em.query(`SELECT name FROM clients ORDER BY name`),
    );
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 3 !== 0)
      .map((i) => `client-${i}`)
      .sort();
    expect(names.map((n) => n.name)).toEqual(expected);
  });
});
