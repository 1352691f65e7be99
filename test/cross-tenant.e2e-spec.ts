/**
 * Every GraphQL operation of schema.gql and every HTTP route of the running app, called against tenant A's ids by
 * callers that must get nothing of A: tenant B's admin, an ingest key of A, a viewer of A's other client, an expired
 * auditor of A, and no key. Fails when an answer carries A's data, when A's rows change, when a foreign id is answered
 * differently from an id that exists nowhere (ids must not be enumerable), or when an operation or route has no probe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  GRAPHQL_PROBES,
  HTTP_PROBES,
  loadOperations,
  probeDocument,
  type CallerName,
  type HttpRequestSpec,
  type SchemaOperation,
  type Target,
} from './cross-tenant/probes.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const { operations } = loadOperations(fs.readFileSync(path.join(process.cwd(), 'schema.gql'), 'utf8'));

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `METHOD /path` of every route the Nest router registered (Express 5 keeps them in `app.router.stack`). */
function httpRoutes(t: TestApp): string[] {
  const instance = t.app.getHttpAdapter().getInstance() as {
    router?: { stack: RouteLayer[] };
    _router?: { stack: RouteLayer[] };
  };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const out = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) {
      if (on && m !== '_all') out.add(`${m.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...out].sort();
}

interface Answer {
  status: number;
  text: string;
}

/** Everything the caller sent, so echoes of its own input are not counted as leaks. */
function sentStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => sentStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => sentStrings(v, out));
  return out;
}

function scrub(text: string, sent: string[]): string {
  let s = text;
  for (const v of [...sent].sort((a, b) => b.length - a.length))
    if (v.length >= 4) s = s.split(v).join('<sent>');
  return s;
}

/** What a caller can learn from an answer apart from its own input: status, error codes and messages, data shape. */
function shape(a: Answer, sent: string[]): string {
  const text = scrub(a.text, sent).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
    '<uuid>',
  );
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, k === 'message' || k === 'code' ? x : strip(x)]),
      );
    return typeof v === 'string' || typeof v === 'number' ? typeof v : v;
  };
  return JSON.stringify({ status: a.status, body: strip(body) });
}

describe('cross-tenant probes (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let target: Target;
  let unknown: Target;
  const callers = {} as Record<CallerName, string | null>;
  /** Strings of A each caller must never see (ids, names, hostnames, hashes). */
  const secrets = {} as Record<CallerName, string[]>;
  let tenantA: string;

  const gql = async (token: string | null, query: string, variables?: Record<string, unknown>) => {
    const r = await t.gql(token, query, variables);
    if (r.errors) throw new Error(`setup failed: ${JSON.stringify(r.errors)}`);
    return r.data;
  };

  /** A's rows in every tenant-owned table (last_used_at of keys aside: using a key of A is allowed to stamp it). */
  async function snapshotA(): Promise<Record<string, string>> {
    const tables = await ds.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name`,
    );
    const out: Record<string, string> = {};
    for (const { table_name: name } of [...tables, { table_name: 'tenants' }]) {
      const key = name === 'tenants' ? 'id' : 'tenant_id';
      const rows = await ds.query<{ n: number; h: string }[]>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' ORDER BY (to_jsonb(x) - 'last_used_at')::text), '')) AS h
           FROM "${name}" x WHERE ${key} = $1`,
        [tenantA],
      );
      out[name] = `${rows[0].n}:${rows[0].h}`;
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    const a = await t.tenant('Harbor Probe MSP');
    const b = await t.tenant('Rival Probe MSP');
    tenantA = a.id;
    const c1 = await gql(
      a.token,
      `mutation { createClient(input: {name: "Northwind Probe Dental", frameworks: [hipaa]}) { id } }`,
    );
    const c2 = await gql(
      a.token,
      `mutation { createClient(input: {name: "Contoso Probe Pharmacy", frameworks: [pci_dss]}) { id } }`,
    );
    const clientId = c1.createClient.id as string;
    const otherClientId = c2.createClient.id as string;
    const asset = await gql(
      a.token,
      `mutation($c: ID!) { createAsset(input: {clientId: $c, hostname: "nw-probe-pacs-01", criticality: "critical"}) { id } }`,
      { c: clientId },
    );
    await gql(
      a.token,
      `mutation { createSlaPolicyVersion(input: {key: "harbor-probe-policy", name: "Harbor probe", description: "probe policy", effectiveFrom: "2026-01-01", clock: "detection", dayKind: "calendar", critical: 7, high: 14}) { key } }`,
    );
    const policies = await gql(a.token, `{ slaPolicies { key versions { key version days } } }`);
    expect(policies.slaPolicies).toContainEqual({
      key: 'harbor-probe-policy',
      versions: [{ key: 'harbor-probe-policy', version: 1, days: { critical: 7, high: 14 } }],
    });
    const base = {
      source: 'ninjaone',
      patch: { id: 'KB5044284', releasedAt: '2026-09-10' },
      vendorSeverity: 'critical',
    };
    const events = ['nw-probe-pacs-01', 'nw-probe-ehr-02'].flatMap((host) => [
      {
        ...base,
        kind: 'detected',
        occurredAt: '2026-09-10T08:00:00Z',
        sourceEventId: `${host}-d`,
        asset: { hostname: host },
      },
      {
        ...base,
        kind: 'deployed',
        occurredAt: '2026-10-02T22:00:00Z',
        sourceEventId: `${host}-x`,
        asset: { hostname: host },
        actor: 'Zoë Probe-Admin',
      },
    ]);
    const ingested = await gql(
      a.token,
      `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { results { status eventId } receipt { headHash } } }`,
      { c: clientId, e: events },
    );
    const eventIds = (ingested.ingestEvents.results as { status: string; eventId: string }[]).map(
      (r) => r.eventId,
    );
    expect(eventIds.filter(Boolean)).toHaveLength(4);
    const pack = await gql(
      a.token,
      `mutation($c: ID!) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}}) { id } }`,
      { c: clientId },
    );
    const packId = pack.generateEvidencePack.id as string;
    let status = '';
    let sha = '';
    for (let i = 0; i < 240 && status !== 'ready' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const p = await gql(a.token, `query($id: ID!) { evidencePack(id: $id) { status archiveSha256 } }`, {
        id: packId,
      });
      status = p.evidencePack.status as string;
      sha = (p.evidencePack.archiveSha256 as string | null) ?? '';
    }
    expect(status).toBe('ready');
    // One download so A's access log has an entry to leak.
    expect(
      (await t.http.get(`/v1/packs/${packId}/download`).set('authorization', `Bearer ${a.token}`)).status,
    ).toBe(200);

    const shareLink = await gql(
      a.token,
      `mutation($p: ID!, $e: DateTime!) { createShareLink(packId: $p, expiresAt: $e) { link { id } } }`,
      { p: packId, e: new Date(Date.now() + 3600_000).toISOString() },
    );
    const shareLinkId = shareLink.createShareLink.link.id as string;

    const key = async (input: Record<string, unknown>) =>
      (
        await gql(
          a.token,
          `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { token key { id } } }`,
          {
            i: input,
          },
        )
      ).createApiKey as { token: string; key: { id: string } };
    const ingest = await key({ role: 'ingest', label: 'probe rmm' });
    const viewer = await key({ role: 'client_viewer', clientId, label: 'probe officer' });
    const otherViewer = await key({ role: 'client_viewer', clientId: otherClientId, label: 'other officer' });
    const auditor = await key({
      role: 'auditor',
      clientId,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await ds.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      auditor.key.id,
    ]);

    Object.assign(callers, {
      tenantB: b.token,
      ingestA: ingest.token,
      otherClientViewer: otherViewer.token,
      expiredAuditor: auditor.token,
      anonymous: null,
    });
    target = {
      tenantId: a.id,
      clientId,
      clientName: 'Northwind Probe Dental',
      assetId: asset.createAsset.id as string,
      hostname: 'nw-probe-pacs-01',
      packId,
      apiKeyId: viewer.key.id,
      policyKey: 'harbor-probe-policy',
      shareLinkId,
    };
    unknown = {
      tenantId: randomUUID(),
      clientId: randomUUID(),
      clientName: 'Nobody Probe Clinic',
      assetId: randomUUID(),
      hostname: 'nowhere-probe-01',
      packId: randomUUID(),
      apiKeyId: randomUUID(),
      policyKey: 'nobody-probe-policy',
      shareLinkId: randomUUID(),
    };
    const clientSecrets = [
      clientId,
      'Northwind Probe Dental',
      target.assetId,
      'nw-probe-pacs-01',
      'nw-probe-ehr-02',
      'Zoë Probe-Admin',
      packId,
      sha,
      viewer.key.id,
      auditor.key.id,
      ingest.key.id,
      otherViewer.key.id,
      'harbor-probe-policy',
      shareLinkId,
      ingested.ingestEvents.receipt.headHash as string,
      ...eventIds,
    ].filter((s) => s.length > 0);
    const otherClient = [otherClientId, 'Contoso Probe Pharmacy'];
    const tenant = [a.id, 'Harbor Probe MSP'];
    // The ingest key and the other client's viewer belong to A: A's tenant (and the viewer's own client) is theirs.
    secrets.tenantB = [...tenant, ...clientSecrets, ...otherClient];
    secrets.anonymous = secrets.tenantB;
    secrets.expiredAuditor = secrets.tenantB;
    secrets.ingestA = [...clientSecrets, ...otherClient];
    // The tenant's custom SLA policies are tenant configuration every reader of the tenant may see.
    secrets.otherClientViewer = clientSecrets.filter(
      (s) => s !== otherViewer.key.id && s !== 'harbor-probe-policy',
    );
  }, 180_000);
  afterAll(() => t.close());

  it('has a probe for every query and mutation in schema.gql, and none for an operation that is gone', () => {
    const names = operations.map((o) => o.name).sort();
    expect(names.filter((n) => !(n in GRAPHQL_PROBES))).toEqual([]);
    expect(Object.keys(GRAPHQL_PROBES).filter((n) => !names.includes(n))).toEqual([]);
    expect(names.length).toBeGreaterThan(20);
  });

  it('has a probe for every HTTP route of the running app', () => {
    const routes = httpRoutes(t);
    expect(routes).toContain('GET /v1/packs/:id/download');
    expect(routes.filter((r) => !(r in HTTP_PROBES))).toEqual([]);
  });

  const leaks = (caller: CallerName, text: string, sent: string[]): string[] => {
    const body = scrub(text, sent);
    return secrets[caller].filter((s) => body.includes(s));
  };

  it('answers no GraphQL operation with A’s data, changes nothing of A, and answers foreign ids like unknown ones', async () => {
    const failures: string[] = [];
    const send = async (op: SchemaOperation, token: string | null, tgt: Target) => {
      const variables = GRAPHQL_PROBES[op.name].args(tgt);
      const req = t.http.post('/graphql').set('content-type', 'application/json');
      if (token) req.set('authorization', `Bearer ${token}`);
      const res = await req.send({ query: probeDocument(op, variables), variables });
      return { answer: { status: res.status, text: res.text }, sent: sentStrings(variables) };
    };
    for (const op of operations) {
      const probe = GRAPHQL_PROBES[op.name];
      if (!probe) continue; // reported by the coverage test above
      const before = await snapshotA();
      for (const caller of Object.keys(callers) as CallerName[]) {
        if (probe.allowed?.includes(caller)) continue;
        const token = callers[caller];
        const foreign = await send(op, token, target);
        const none = await send(op, token, unknown);
        const where = `${op.name} as ${caller}`;
        if (foreign.answer.status >= 500) failures.push(`${where}: status ${foreign.answer.status}`);
        const leaked = leaks(caller, foreign.answer.text, foreign.sent);
        if (leaked.length)
          failures.push(`${where}: answer holds ${leaked.join(', ')}: ${foreign.answer.text.slice(0, 300)}`);
        const [fs1, us1] = [shape(foreign.answer, foreign.sent), shape(none.answer, none.sent)];
        if (fs1 !== us1)
          failures.push(
            `${where}: A's ids answered ${fs1.slice(0, 300)} but unknown ids ${us1.slice(0, 300)}`,
          );
      }
      const after = await snapshotA();
      for (const table of Object.keys(before))
        if (before[table] !== after[table]) failures.push(`${op.name}: changed A's ${table}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers no HTTP route with A’s data, changes nothing of A, and answers foreign ids like unknown ones', async () => {
    const failures: string[] = [];
    const send = async (spec: HttpRequestSpec, token: string | null): Promise<Answer> => {
      let req = spec.method === 'GET' ? t.http.get(spec.path) : t.http.post(spec.path);
      if (token) req = req.set('authorization', `Bearer ${token}`);
      if (spec.contentType) req = req.set('content-type', spec.contentType);
      const res = await req
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .send(spec.body);
      return { status: res.status, text: (res.body as Buffer).toString('latin1') };
    };
    for (const route of httpRoutes(t)) {
      const probe = HTTP_PROBES[route];
      if (!probe) continue; // reported by the coverage test above
      const before = await snapshotA();
      for (const caller of Object.keys(callers) as CallerName[]) {
        if (probe.allowed?.includes(caller)) continue;
        const spec = probe.request(target);
        const sent = [
          spec.path,
          ...spec.path.split(/[/?=&]/),
          typeof spec.body === 'string' ? spec.body : '',
        ];
        const foreign = await send(spec, callers[caller]);
        const unknownSpec = probe.request(unknown);
        const none = await send(unknownSpec, callers[caller]);
        const unknownSent = [unknownSpec.path, ...unknownSpec.path.split(/[/?=&]/)];
        const where = `${route} as ${caller}`;
        if (foreign.status >= 500) failures.push(`${where}: status ${foreign.status}`);
        if (foreign.status >= 200 && foreign.status < 300 && route.includes(':'))
          failures.push(`${where}: ${foreign.status} for A's id`);
        const leaked = leaks(caller, foreign.text, sent);
        if (leaked.length) failures.push(`${where}: answer holds ${leaked.join(', ')}`);
        const [f, u] = [shape(foreign, sent), shape(none, unknownSent)];
        // /metrics counts requests: its figures move between two calls, so only its status is compared.
        if (route === 'GET /metrics' ? foreign.status !== none.status : f !== u)
          failures.push(`${where}: A's ids answered ${f.slice(0, 300)} but unknown ids ${u.slice(0, 300)}`);
      }
      const after = await snapshotA();
      for (const table of Object.keys(before))
        if (before[table] !== after[table]) failures.push(`${route}: changed A's ${table}`);
    }
    expect(failures).toEqual([]);
  });
});
