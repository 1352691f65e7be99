/**
 * Properties of event validation (RELIABILITY.md B1, B3): whatever arrives — any JSON, any unicode, huge strings,
 * deep nesting, wrong types — validateEvent answers and never throws, and a rejection names the field at fault.
 * Instants with an offset parse to exactly the instant meant, in every time zone, across DST changes and at the
 * ends of the accepted range; without an offset they are refused.
 */
import fc from 'fast-check';
import { EVENT_KINDS } from './patch-event.js';
import { parseRfc3339, validateEvent } from './event-input.js';

const NOW = Date.parse('2026-11-01T00:00:00Z');
/** A clock past every instant generated, for properties about parsing rather than skew. */
const END_OF_TIME = Date.parse('9999-12-31T23:59:59Z') + 2 * 86_400_000;

const VALID = {
  kind: 'deployed',
  occurredAt: '2026-10-14T09:30:00-05:00',
  source: 'ninjaone',
  sourceEventId: 'evt-1',
  asset: { hostname: 'srv-zürich-01', os: 'Windows Server 2022', criticality: 'high', legacy: false },
  patch: { id: 'KB5034441', vendor: 'Microsoft', releasedAt: '2026-10-08' },
  cveIds: ['CVE-2024-21338'],
  vendorSeverity: 'critical',
  actor: 'alice',
  changeTicket: 'CHG-1',
  raw: { line: 'x' },
};

type Json = Record<string, unknown>;

/** Paths of every field of VALID (nested ones as `asset.os`). */
const PATHS = Object.entries(VALID).flatMap(([k, v]) =>
  v && typeof v === 'object' && !Array.isArray(v) ? [k, ...Object.keys(v).map((n) => `${k}.${n}`)] : [k],
);

function withField(event: Json, pathName: string, value: unknown): Json {
  const copy = structuredClone(event);
  const parts = pathName.split('.');
  const parent = parts.length === 1 ? copy : (copy[parts[0]] as Json);
  const key = parts.at(-1)!;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
  return copy;
}

/** Strings that stress validators: every unicode plane, lone surrogates, control characters, huge lengths. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\t',
    '\u0000',
    'a\u0007b',
    '\ud800',
    '\udfff',
    '\u202e',
    '\ufeff',
    'x'.repeat(1 << 20),
    'Ω'.repeat(70_000),
  ),
  fc.nat({ max: 300_000 }).map((n) => 'é'.repeat(n)),
);

/** Any value at all: JSON, wrong types, deep nesting, values JSON cannot hold. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
  }),
  nastyString,
  fc.nat({ max: 5000 }).map((depth) => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { v };
    return v;
  }),
  fc.constantFrom(undefined, null, NaN, Infinity, -0, 2 ** 53 + 1, 1n, Symbol('s'), () => 1),
);

function expectNamedRejectionOrDraft(r: ReturnType<typeof validateEvent>): void {
  if (r.ok) {
    expect(r.draft.sourceEventId.length).toBeGreaterThan(0);
  } else {
    expect(typeof r.field).toBe('string');
    expect(r.field.length).toBeGreaterThan(0);
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
  }
}

describe('validateEvent (properties)', () => {
  it('never throws on any input, and a rejection names a field and a reason', () => {
    fc.assert(
      fc.property(anyValue, (input) => {
        expectNamedRejectionOrDraft(validateEvent(input, NOW));
      }),
      { numRuns: 1000 },
    );
  });

  it('names the field that was spoiled (or the cross-field rule it broke) when one field of a valid event changes', () => {
    expect(validateEvent(VALID, NOW).ok).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), anyValue, (pathName, value) => {
        const r = validateEvent(withField(VALID, pathName, value), NOW);
        expectNamedRejectionOrDraft(r);
        if (!r.ok) {
          // A new kind can require a companion field; an unknown nested key is reported on its object.
          const allowed = [pathName, pathName.split('.')[0], 'supersededBy', 'exception'];
          expect(
            allowed.some((f) => r.field === f || r.field.startsWith(`${f}.`) || r.field.startsWith(`${f}[`)),
          ).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses unknown fields by name, at the top and inside asset and patch', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', 'asset', 'patch'),
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter(
            (k) =>
              !Object.hasOwn(VALID, k) &&
              ![
                'os',
                'ring',
                'criticality',
                'legacy',
                'hostname',
                'id',
                'vendor',
                'title',
                'releasedAt',
                'clientId',
                'errorCode',
                'emergency',
                'supersededBy',
                'exception',
                '__proto__',
              ].includes(k),
          ),
        fc.jsonValue(),
        (where, key, value) => {
          const event: Json = structuredClone(VALID);
          (where ? (event[where] as Json) : event)[key] = value ?? 0;
          const r = validateEvent(event, NOW);
          expect(r).toMatchObject({ ok: false, field: where || '(event)' });
          if (!r.ok) expect(r.reason).toContain('unknown field');
        },
      ),
    );
  });

  it('accepts or names the text field for any unicode in it, and never keeps control characters', () => {
    // eslint-disable-next-line no-control-regex
    const control = /[\u0000-\u0008\u000b-\u001f\u007f]/;
    fc.assert(
      fc.property(
        fc.constantFrom('source', 'sourceEventId', 'asset.hostname', 'patch.id', 'actor', 'changeTicket'),
        nastyString,
        (pathName, value) => {
          const r = validateEvent(withField(VALID, pathName, value), NOW);
          if (r.ok) {
            const kept = pathName.split('.').reduce<unknown>((o, k) => (o as Json)[k], r.draft) as string;
            expect(control.test(kept)).toBe(false);
            expect(kept).toBe(value.trim());
          } else {
            expect(r.field).toBe(pathName);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts every kind with the companion fields it needs', () => {
    for (const kind of EVENT_KINDS) {
      const extra =
        kind === 'superseded'
          ? { supersededBy: 'KB5035845' }
          : kind === 'exception_granted'
            ? {
                exception: {
                  reason: 'vendor hold',
                  compensatingControls: ['EDR'],
                  owner: 'bob',
                  approver: 'carol',
                  expiresAt: '2027-01-01T00:00:00Z',
                },
              }
            : {};
      expect(validateEvent({ ...VALID, kind, ...extra }, NOW)).toMatchObject({ ok: true });
    }
  });
});

// --- time -------------------------------------------------------------------------------------------------------

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

function offsetText(minutes: number): string {
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** The wall-clock text of instant `t` at a fixed offset, with that offset. */
function atOffset(t: number, minutes: number, fraction = ''): string {
  const local = new Date(t + minutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${date}T${time}${fraction}${offsetText(minutes)}`;
}

/** The UTC offset of an IANA zone at an instant, in minutes (from Intl, independent of the code under test). */
function zoneOffset(zone: string, t: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(t))
    .find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name)!;
  return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const ZONES = [
  'UTC',
  'America/New_York',
  'America/St_Johns',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'America/Santiago',
];
/** DST changes of 2026: the gap and the overlap in New York and Berlin, Lord Howe's half hour, Santiago's. */
const DST_CHANGES = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T16:00:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
].map(Date.parse);

const instant = fc.oneof(
  fc.integer({ min: Date.parse('1970-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59Z') }),
  fc
    .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -3 * 3600, max: 3 * 3600 }))
    .map(([t, s]) => t + s * 1000),
  fc.constantFrom(
    Date.parse('1970-01-01T00:00:00Z'),
    Date.parse('9999-12-31T23:59:59Z'),
    Date.parse('2028-02-29T12:00:00Z'),
  ),
);

describe('parseRfc3339 (properties)', () => {
  it('reads the wall clock of any zone, with its offset, as exactly the instant meant (DST gaps and overlaps too)', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (t0, zone) => {
        const t = Math.floor(t0 / 1000) * 1000;
        const offset = zoneOffset(zone, t);
        const year = new Date(t + offset * 60_000).getUTCFullYear();
        if (year < 1970 || year > 9999) return; // the wall clock there is outside the accepted range
        const text = atOffset(t, offset);
        expect(parseRfc3339(text)).toBe(t);
        expect(validateEvent({ ...VALID, occurredAt: text }, END_OF_TIME)).toMatchObject({ ok: true });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives one instant for every way of writing it: any offset ±14:00, Z, z, -00:00, a space, fractions', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom(0, 1, 2, 3, 6, 9),
        (t0, offset, ms, digits) => {
          const unit = 10 ** (3 - Math.min(digits, 3));
          const t = Math.floor(t0 / 1000) * 1000 + (digits === 0 ? 0 : Math.floor(ms / unit) * unit);
          const fraction = digits === 0 ? '' : `.${`${pad(ms, 3)}000000`.slice(0, digits)}`;
          const text = atOffset(t, offset, fraction);
          const year = new Date(t + offset * 60_000).getUTCFullYear();
          const r = parseRfc3339(text);
          if (year < 1970) expect(r).toBe('year out of range (1970–9999)');
          else if (year > 9999) expect(typeof r).toBe('string');
          else expect(r).toBe(t);
          if (offset === 0 && typeof r === 'number') {
            for (const z of ['Z', 'z', '-00:00']) expect(parseRfc3339(text.replace('+00:00', z))).toBe(t);
            expect(parseRfc3339(text.replace('T', ' '))).toBe(t);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a date-time without an offset, naming occurredAt, whatever the date', () => {
    fc.assert(
      fc.property(instant, (t) => {
        const text = new Date(t).toISOString().slice(0, 19);
        expect(validateEvent({ ...VALID, occurredAt: text }, END_OF_TIME)).toMatchObject({
          ok: false,
          field: 'occurredAt',
          reason: expect.stringMatching(/offset/),
        });
      }),
    );
  });

  it('refuses impossible fields (month 13, day 32, Feb 29 of common years, 24:00, offsets past 23:59) and years 0 and beyond 9999', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_500 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('Z', '+14:00', '-12:00', '+05:45', '+24:00', '-99:99', '+00:60'),
        (y, mo, d, h, mi, s, off) => {
          if (y > 9999) return;
          const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${off}`;
          const r = parseRfc3339(text);
          const offsetOk = off === 'Z' || (Number(off.slice(1, 3)) <= 23 && Number(off.slice(4)) <= 59);
          const real = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
          const exists =
            y >= 1970 &&
            mo >= 1 &&
            mo <= 12 &&
            d >= 1 &&
            h <= 23 &&
            mi <= 59 &&
            s <= 59 &&
            real.getUTCDate() === d &&
            real.getUTCMonth() === mo - 1;
          if (exists && offsetOk) {
            expect(typeof r).toBe('number');
          } else {
            expect(typeof r).toBe('string');
            expect(validateEvent({ ...VALID, occurredAt: text }, END_OF_TIME)).toMatchObject({
              ok: false,
              field: 'occurredAt',
            });
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
