/**
 * Maintenance windows are wall-clock rules in the client's time zone ("Tue–Thu 19:00–23:00 Europe/Berlin"), so
 * whether an instant falls inside one is decided on the local clock: the same rule covers 17:00Z in summer and
 * 18:00Z in winter, and a DST change inside the period needs no special case.
 */
import { z } from 'zod';
import type { MaintenanceWindow, Weekday } from './control.types.js';

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');

export const MAINTENANCE_WINDOW_SCHEMA = z.strictObject({
  days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
  start: hhmm,
  end: hhmm,
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin'),
  clientId: z.string().optional(),
  label: z.string().optional(),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a window cannot be used, or undefined when it is well formed. */
export function maintenanceWindowProblem(w: MaintenanceWindow): string | undefined {
  const parsed = MAINTENANCE_WINDOW_SCHEMA.safeParse(w);
  if (parsed.success) return undefined;
  return parsed.error.issues.map((i) => `${i.path.join('.') || 'window'}: ${i.message}`).join('; ');
}

export function describeWindow(w: MaintenanceWindow): string {
  return w.label ?? `${w.days.join(',')} ${w.start}–${w.end} ${w.timeZone}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

interface LocalTime {
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
}

function localTime(t: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const date = `${p.year}-${p.month}-${p.day}`;
  return {
    weekday: WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()],
    minute: Number(p.hour) * 60 + Number(p.minute),
    date,
  };
}

function minutes(hm: string): number {
  return Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
}

function previousDay(date: string): { date: string; weekday: Weekday } {
  const d = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000);
  return { date: d.toISOString().slice(0, 10), weekday: WEEKDAYS[d.getUTCDay()] };
}

/**
 * The local date on which the opening of `w` that contains the instant began, or undefined when the instant is
 * outside `w`. A window with `end` at or before `start` runs past midnight (and `start` = `end` means a full day).
 */
export function windowOpening(t: number, w: MaintenanceWindow): string | undefined {
  const local = localTime(t, w.timeZone);
  const start = minutes(w.start);
  const end = minutes(w.end);
  if (start < end) {
    return w.days.includes(local.weekday) && local.minute >= start && local.minute < end
      ? local.date
      : undefined;
  }
  if (w.days.includes(local.weekday) && local.minute >= start) return local.date;
  const prev = previousDay(local.date);
  return w.days.includes(prev.weekday) && local.minute < end ? prev.date : undefined;
}

/**
 * A change occupies [startedAt, endedAt): it is inside the windows when its start and its last instant fall in the
 * same opening of one window (a change that starts at 22:50 in a window closing at 23:00 and ends at 23:40 is not).
 */
export function insideMaintenanceWindow(
  startedAt: number,
  endedAt: number,
  windows: MaintenanceWindow[],
): boolean {
  const last = Math.max(startedAt, endedAt - 1);
  return windows.some((w) => {
    const opening = windowOpening(startedAt, w);
    return opening !== undefined && windowOpening(last, w) === opening;
  });
}
