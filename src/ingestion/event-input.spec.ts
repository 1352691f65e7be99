import { parseRfc3339, validateEvent } from './event-input.js';

const NOW = Date.parse('2026-11-01T00:00:00Z');
const base = {
  kind: 'deployed',
  occurredAt: '2026-10-14T09:30:00-05:00',
  source: 'ninjaone',
  sourceEventId: 'evt-1',
  asset: { hostname: 'srv-zürich-01' },
  patch: { id: 'KB5034441' },
};

describe('validateEvent', () => {
  it('accepts a minimal event and keeps the offset', () => {
    const r = validateEvent(base, NOW);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.draft.occurredAt).toBe('2026-10-14T09:30:00-05:00');
  });

  it.each([
    [{ ...base, kind: 'installed' }, 'kind', /must be one of/],
    [{ ...base, occurredAt: '2026-10-14T09:30:00' }, 'occurredAt', /with an offset/],
    [{ ...base, occurredAt: '2026-02-30T09:30:00Z' }, 'occurredAt', /does not exist/],
    [{ ...base, occurredAt: '0000-01-01T00:00:00Z' }, 'occurredAt', /year out of range/],
    [{ ...base, occurredAt: '2026-11-01T00:06:00Z' }, 'occurredAt', /future/],
    [{ ...base, sourceEventId: '' }, 'sourceEventId', /empty/],
    [{ ...base, sourceEventId: undefined }, 'sourceEventId', /required/],
    [{ ...base, cveIds: ['CVE-24-1'] }, 'cveIds[0]', /CVE-2024-12345/],
    [{ ...base, asset: { hostname: 'x'.repeat(300) } }, 'asset.hostname', /255/],
    [{ ...base, asset: { hostname: 'a\u0000b' } }, 'asset.hostname', /NUL/],
    [{ ...base, extra: 1 }, '(event)', /unknown field/],
    [{ ...base, kind: 'superseded' }, 'supersededBy', /required/],
    [{ ...base, kind: 'exception_granted' }, 'exception', /required/],
    [{ ...base, clientId: 'nope' }, 'clientId', /UUID/],
  ])('rejects %j naming the field', (input, field, reason) => {
    const r = validateEvent(input, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.reason).toMatch(reason);
    }
  });

  it('accepts up to 5 minutes of clock skew', () => {
    expect(validateEvent({ ...base, occurredAt: '2026-11-01T00:04:00Z' }, NOW).ok).toBe(true);
  });

  it('normalises offsets to the same instant', () => {
    expect(parseRfc3339('2026-10-14T09:30:00-05:00')).toBe(parseRfc3339('2026-10-14T14:30:00Z'));
    expect(parseRfc3339('2026-10-14T14:30:00+14:00')).toBe(Date.parse('2026-10-14T00:30:00Z'));
  });
});
