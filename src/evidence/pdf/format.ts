/** Text formatting for the PDF: UTC only, fixed formats, no locale, so the same content gives the same bytes. */
import type { Rate } from '../../metrics/metrics-report.js';

export const isoDate = (ms: number | undefined): string =>
  ms === undefined ? '—' : new Date(ms).toISOString().slice(0, 10);

export const isoMinute = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}`;

export const utcMinute = (ms: number): string => `${isoMinute(ms)} UTC`;

export function percent(r: Rate): string {
  return r.value === null ? 'n/a' : `${(r.value * 100).toFixed(1)}%`;
}

export function fraction(r: Rate, unit = ''): string {
  return `${r.numerator} of ${r.denominator}${unit ? ` ${unit}` : ''}`;
}

export const days = (d: number | null | undefined, digits = 1): string =>
  d === null || d === undefined ? 'n/a' : `${d.toFixed(digits)} d`;

export const num = (v: number | string | null | undefined): string =>
  v === null || v === undefined
    ? '—'
    : typeof v === 'number' && !Number.isInteger(v)
      ? v.toFixed(2)
      : String(v);

/** `a, b, c + 12 more` within `max` items. */
export function listWithMore(items: string[], max: number, more: (n: number) => string): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} ${more(items.length - max)}`;
}
