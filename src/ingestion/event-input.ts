/**
 * Validation of one submitted event (GraphQL, NDJSON line, importer output) into an EventDraft. Pure. Every
 * rejection names the field and the reason; nothing of a rejected event is written.
 */
import { z } from 'zod';
import { EVENT_KINDS, VENDOR_SEVERITIES, type EventDraft } from './patch-event.js';

export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const MAX_RAW_BYTES = 64 * 1024;
const CVE = /^CVE-\d{4}-\d{4,19}$/;
/** RFC 3339 date-time with a mandatory offset (Z or ±hh:mm). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// Control characters other than tab are refused: they hide text in reports and break CSV consumers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'contains control characters');

/** Parses RFC 3339 with an offset to epoch ms, or explains why not. */
export function parseRfc3339(value: string): number | string {
  const m = RFC3339.exec(value);
  if (!m)
    return 'must be an RFC 3339 date-time with an offset, e.g. 2026-10-14T09:30:00Z or 2026-10-14T04:30:00-05:00';
  const [, y, mo, d, h, mi, s] = m.map(Number);
  if (y < 1970 || y > 9999) return 'year out of range (1970–9999)';
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return 'not a valid date-time';
  const ms = Date.parse(value.replace(' ', 'T'));
  if (Number.isNaN(ms)) return 'not a valid date-time';
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1) return `day ${d} does not exist in ${y}-${String(mo).padStart(2, '0')}`;
  return ms;
}

const instant = z.string().transform((v, ctx) => {
  const r = parseRfc3339(v);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return v;
});

const dateOrInstant = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || typeof parseRfc3339(v) === 'number', {
    message: 'must be YYYY-MM-DD or an RFC 3339 date-time with an offset',
  });

export const eventInputSchema = z.strictObject({
  clientId: z.string().uuid('must be a client id (UUID)').optional(),
  kind: z.enum(EVENT_KINDS, { message: `must be one of ${EVENT_KINDS.join(', ')}` }),
  occurredAt: instant,
  source: text(100),
  sourceEventId: text(200),
  asset: z.strictObject({
    hostname: text(255),
    os: text(200).optional(),
    ring: text(50).optional(),
    criticality: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    legacy: z.boolean().optional(),
  }),
  patch: z.strictObject({
    id: text(200),
    vendor: text(200).optional(),
    title: text(1000).optional(),
    releasedAt: dateOrInstant.optional(),
  }),
  cveIds: z
    .array(z.string().regex(CVE, 'must look like CVE-2024-12345'))
    .max(200, 'at most 200 CVE ids')
    .optional(),
  vendorSeverity: z.enum(VENDOR_SEVERITIES).optional(),
  actor: text(200).optional(),
  changeTicket: text(200).optional(),
  errorCode: text(100).optional(),
  ring: text(50).optional(),
  emergency: z.boolean().optional(),
  supersededBy: text(200).optional(),
  exception: z
    .strictObject({
      reason: text(2000),
      compensatingControls: z.array(text(500)).max(50),
      owner: text(200),
      approver: text(200),
      expiresAt: instant,
    })
    .optional(),
  raw: z.unknown().optional(),
});

export type EventInput = z.infer<typeof eventInputSchema>;

export type ValidatedEvent =
  { ok: true; clientId?: string; draft: EventDraft } | { ok: false; field: string; reason: string };

function pathOf(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Text that PostgreSQL jsonb or RFC 8785 hashing cannot hold: NUL (jsonb refuses \u0000) and lone surrogates (not
 * I-JSON). Found anywhere, keys included, it rejects the one event naming the field, instead of failing the batch.
 */
function unstorableText(value: unknown, path: string, depth = 0): { field: string; reason: string } | null {
  if (depth > 64) return { field: path || '(event)', reason: 'nested too deeply' };
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field: path || '(event)', reason: 'contains a NUL character' };
    if (LONE_SURROGATE.test(value))
      return { field: path || '(event)', reason: 'contains an unpaired UTF-16 surrogate' };
    return null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = unstorableText(v, `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = path ? `${path}.${k}` : k;
      const badKey = unstorableText(k, key, depth + 1);
      if (badKey) return badKey;
      const bad = unstorableText(v, key, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

/** Validates one event against the schema and the rules that cross fields. `now` is the server clock. */
export function validateEvent(input: unknown, now: number): ValidatedEvent {
  const unstorable = unstorableText(input, '');
  if (unstorable) return { ok: false, ...unstorable };
  const parsed = eventInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let reason = issue.message;
    if (issue.code === 'unrecognized_keys') reason = `unknown field(s): ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) reason = 'is required';
    return { ok: false, field: pathOf(issue.path) || '(event)', reason };
  }
  const e = parsed.data;
  const at = parseRfc3339(e.occurredAt) as number;
  if (at > now + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      field: 'occurredAt',
      reason: 'more than 5 minutes in the future (check the clock or the offset)',
    };
  }
  if (e.kind === 'exception_granted' && !e.exception) {
    return { ok: false, field: 'exception', reason: 'is required for exception_granted' };
  }
  if (e.kind === 'superseded' && !e.supersededBy) {
    return { ok: false, field: 'supersededBy', reason: 'is required for superseded' };
  }
  if (e.raw !== undefined) {
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(e.raw) ?? '');
    } catch {
      return { ok: false, field: 'raw', reason: 'is not serializable JSON' };
    }
    if (size > MAX_RAW_BYTES)
      return { ok: false, field: 'raw', reason: `larger than ${MAX_RAW_BYTES} bytes` };
  }
  const { clientId, ...draft } = e;
  return { ok: true, clientId, draft };
}
