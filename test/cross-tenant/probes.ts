/**
 * Cross-tenant probes: one entry per GraphQL operation in `schema.gql` and per HTTP route of the Nest router.
 * test/cross-tenant.e2e-spec.ts sends each one, against tenant A's ids, as callers that must get nothing of A (tenant
 * B's admin, an ingest key of A, a viewer of A's other client, an expired auditor of A, no key) and fails when a
 * schema operation or a route has no entry here. Adding an operation or a route? Add its entry: the arguments that
 * aim it at A's data. The selection set is generated from the schema (every field without required arguments).
 */
import {
  buildSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

/** The ids a probe aims at: tenant A's real ones, or look-alikes that exist nowhere (same shape). */
export interface Target {
  tenantId: string;
  /** Client of A the probes aim at (the viewer caller belongs to A's other client). */
  clientId: string;
  clientName: string;
  assetId: string;
  hostname: string;
  packId: string;
  /** An API key of A (a viewer key of the target client). */
  apiKeyId: string;
  /** A custom SLA policy of A. */
  policyKey: string;
  /** A share link of A's pack (its token is a capability: probes never hold it, see SHARE_TOKEN). */
  shareLinkId: string;
}

/** A well-formed share token that exists nowhere: whoever sends it must get the one "not available" page. */
const SHARE_TOKEN = `pps_${'Q'.repeat(43)}`;

export type CallerName = 'tenantB' | 'ingestA' | 'otherClientViewer' | 'expiredAuditor' | 'anonymous';

export interface GraphqlProbe {
  /** Arguments of the operation aimed at the target's ids; an empty object for operations without arguments. */
  args: (t: Target) => Record<string, unknown>;
  /** Callers for whom the operation is legitimately allowed to touch A (e.g. `ingestA` for event ingest). */
  allowed?: CallerName[];
}

const PERIOD = { month: '2026-10' };
const AS_OF = '2026-11-01T00:00:00Z';

const event = (t: Target, id: string) => ({
  kind: 'deployed',
  occurredAt: '2026-10-20T10:00:00Z',
  source: 'probe',
  sourceEventId: `probe-${id}`,
  clientId: t.clientId,
  asset: { hostname: t.hostname },
  patch: { id: 'KB5044284' },
});

export const GRAPHQL_PROBES: Record<string, GraphqlProbe> = {
  // Query
  accessLog: { args: () => ({ limit: 100 }) },
  apiKeys: { args: () => ({}) },
  assets: { args: (t) => ({ clientId: t.clientId }) },
  changeSample: {
    args: (t) => ({ clientId: t.clientId, period: PERIOD, asOf: AS_OF, seed: 'probe', size: 25 }),
  },
  client: { args: (t) => ({ id: t.clientId }) },
  clients: { args: () => ({}) },
  controlEvaluation: {
    args: (t) => ({
      clientId: t.clientId,
      framework: 'hipaa',
      period: PERIOD,
      asOf: AS_OF,
      policy: t.policyKey,
    }),
  },
  controls: { args: () => ({ framework: 'hipaa' }) },
  evidencePack: { args: (t) => ({ id: t.packId }) },
  evidencePacks: { args: (t) => ({ clientId: t.clientId }) },
  exceptions: { args: (t) => ({ clientId: t.clientId, asOf: AS_OF }) },
  frameworks: { args: () => ({}) },
  monthlyReportRun: { args: () => ({ month: '2026-10' }) },
  metricTrend: { args: (t) => ({ clientId: t.clientId, period: PERIOD, asOf: AS_OF, policy: t.policyKey }) },
  remediationCases: { args: (t) => ({ filter: { clientId: t.clientId, assetId: t.assetId }, first: 50 }) },
  remediationMetrics: {
    args: (t) => ({ clientId: t.clientId, period: PERIOD, asOf: AS_OF, policy: t.policyKey }),
  },
  slaPolicies: { args: () => ({}) },
  tenant: { args: () => ({}) },
  verifyLedger: { args: () => ({}) },
  // Mutation
  assignSlaPolicy: { args: (t) => ({ clientId: t.clientId, policy: t.policyKey }) },
  createApiKey: { args: (t) => ({ input: { role: 'client_viewer', clientId: t.clientId, label: 'probe' } }) },
  createAsset: { args: (t) => ({ input: { clientId: t.clientId, hostname: `${t.hostname}-probe` } }) },
  // No id of A to aim at: the probe checks that creating in one's own tenant touches nothing of A.
  createClient: { args: (t) => ({ input: { name: `${t.clientName} probe`, frameworks: ['hipaa'] } }) },
  createSlaPolicyVersion: {
    args: (t) => ({
      input: {
        key: t.policyKey,
        name: 'probe',
        description: 'probe',
        effectiveFrom: '2026-01-01',
        clock: 'detection',
        dayKind: 'calendar',
        critical: 1,
      },
    }),
  },
  expireException: { args: (t) => ({ clientId: t.clientId, hostname: t.hostname, patchId: 'KB5044284' }) },
  grantException: {
    args: (t) => ({
      input: {
        clientId: t.clientId,
        hostname: t.hostname,
        patchId: 'KB5044284',
        reason: 'probe',
        compensatingControls: ['probe'],
        owner: 'probe',
        approver: 'probe',
        expiresAt: '2027-01-01T00:00:00Z',
      },
    }),
  },
  generateAttestation: { args: (t) => ({ clientId: t.clientId, asOf: AS_OF }) },
  generateEvidencePack: { args: (t) => ({ input: { clientId: t.clientId, period: PERIOD } }) },
  ingestEvents: { args: (t) => ({ clientId: t.clientId, events: [event(t, 'gql')] }), allowed: ['ingestA'] },
  revokeApiKey: { args: (t) => ({ id: t.apiKeyId }) },
  // Runs in the caller's own tenant: the probe checks it reaches nothing of A.
  runMonthlyReports: { args: () => ({ month: '2026-10' }) },
  createShareLink: {
    args: (t) => ({ packId: t.packId, expiresAt: '2027-01-01T00:00:00Z', maxDownloads: 1 }),
  },
  shareLinks: { args: (t) => ({ packId: t.packId }) },
  revokeShareLink: { args: (t) => ({ id: t.shareLinkId }) },
};

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  contentType?: string;
  body?: string | Buffer;
}

export interface HttpProbe {
  request: (t: Target) => HttpRequestSpec;
  allowed?: CallerName[];
}

/** Keyed by `METHOD /path` exactly as the Express router lists the route. */
export const HTTP_PROBES: Record<string, HttpProbe> = {
  'GET /v1/packs/:id/download': {
    request: (t) => ({ method: 'GET', path: `/v1/packs/${t.packId}/download` }),
  },
  'POST /v1/events': {
    request: (t) => ({
      method: 'POST',
      path: `/v1/events?clientId=${t.clientId}`,
      contentType: 'application/x-ndjson',
      body: `${JSON.stringify(event(t, 'ndjson'))}\n`,
    }),
    allowed: ['ingestA'],
  },
  // Public: must answer the same whoever asks, and hold nothing of any tenant.
  'POST /v1/verify': {
    request: () => ({
      method: 'POST',
      path: '/v1/verify',
      contentType: 'application/zip',
      body: Buffer.from('PK'),
    }),
  },
  'GET /health': { request: () => ({ method: 'GET', path: '/health' }) },
  'GET /metrics': { request: () => ({ method: 'GET', path: '/metrics' }) },
  'GET /graphiql': { request: () => ({ method: 'GET', path: '/graphiql' }) },
  'GET /graphiql/assets/:name': { request: (t) => ({ method: 'GET', path: `/graphiql/assets/${t.packId}` }) },
  // Evidence pages: share links authorize by their token only, the signed-in pages by a session cookie only.
  'GET /s/:token': { request: () => ({ method: 'GET', path: `/s/${SHARE_TOKEN}` }) },
  'GET /s/:token/download': { request: () => ({ method: 'GET', path: `/s/${SHARE_TOKEN}/download` }) },
  'GET /s/:token/pack.pdf': { request: () => ({ method: 'GET', path: `/s/${SHARE_TOKEN}/pack.pdf` }) },
  'GET /verify': { request: () => ({ method: 'GET', path: '/verify' }) },
  'POST /verify': {
    request: () => ({
      method: 'POST',
      path: '/verify',
      contentType: 'multipart/form-data; boundary=probe',
      body: '--probe\r\nContent-Disposition: form-data; name="archive"; filename="probe.zip"\r\nContent-Type: application/zip\r\n\r\nPK\r\n--probe--\r\n',
    }),
  },
  'GET /login': { request: () => ({ method: 'GET', path: '/login' }) },
  'POST /login': {
    request: () => ({
      method: 'POST',
      path: '/login',
      contentType: 'application/x-www-form-urlencoded',
      body: 'apiKey=probe',
    }),
  },
  'POST /logout': { request: () => ({ method: 'POST', path: '/logout' }) },
  'GET /packs': { request: (t) => ({ method: 'GET', path: `/packs?clientId=${t.clientId}` }) },
  'GET /packs/:id/download': { request: (t) => ({ method: 'GET', path: `/packs/${t.packId}/download` }) },
};

export interface SchemaOperation {
  root: 'query' | 'mutation';
  name: string;
  field: GraphQLField<unknown, unknown>;
}

export function loadOperations(sdl: string): { schema: GraphQLSchema; operations: SchemaOperation[] } {
  const schema = buildSchema(sdl);
  const operations: SchemaOperation[] = [];
  for (const root of ['query', 'mutation'] as const) {
    const type = root === 'query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(type?.getFields() ?? {}))
      operations.push({ root, name: field.name, field });
  }
  return { schema, operations };
}

/** Every field without required arguments, down to `depth` object levels: whatever A's data could surface in. */
function selection(type: GraphQLType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named) || depth === 0) return '{ __typename }';
  const parts: string[] = [];
  for (const f of Object.values((named as GraphQLObjectType).getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = selection(f.type, depth - 1);
    parts.push(inner ? `${f.name} ${inner}` : f.name);
  }
  return `{ ${parts.join(' ')} }`;
}

/** The document for one operation with the arguments given (as variables of the schema's argument types). */
export function probeDocument(op: SchemaOperation, args: Record<string, unknown>): string {
  const used = op.field.args.filter((a) => a.name in args);
  const defs = used.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${op.root} Probe${defs ? `(${defs})` : ''} { ${op.name}${call ? `(${call})` : ''} ${selection(op.field.type, 3)} }`;
}
