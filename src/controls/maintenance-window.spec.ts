import type { MaintenanceWindow } from './control.types.js';
import { insideMaintenanceWindow, maintenanceWindowProblem, windowOpening } from './maintenance-window.js';
import { t } from './testing/case-builder.js';

const saturdayNight: MaintenanceWindow = {
  days: ['sat'],
  start: '22:00',
  end: '04:00',
  timeZone: 'Europe/Berlin',
};
const weeknights: MaintenanceWindow = {
  days: ['tue', 'wed', 'thu'],
  start: '19:00',
  end: '23:00',
  timeZone: 'America/New_York',
};

describe('windowOpening', () => {
  it('places the small hours of Sunday in the Saturday opening', () => {
    expect(windowOpening(t('2026-10-10T21:00Z'), saturdayNight)).toBe('2026-10-10'); // Sat 23:00 CEST
    expect(windowOpening(t('2026-10-11T01:30Z'), saturdayNight)).toBe('2026-10-10'); // Sun 03:30 CEST
    expect(windowOpening(t('2026-10-11T02:00Z'), saturdayNight)).toBeUndefined(); // Sun 04:00 CEST: closed
    expect(windowOpening(t('2026-10-09T21:00Z'), saturdayNight)).toBeUndefined(); // Fri 23:00 CEST
  });

  it('spans the night the clocks go back (Sun 25 Oct 2026 03:00 CEST → 02:00 CET)', () => {
    expect(windowOpening(t('2026-10-25T01:30Z'), saturdayNight)).toBe('2026-10-24'); // 02:30 CET (second time)
    expect(windowOpening(t('2026-10-25T02:59Z'), saturdayNight)).toBe('2026-10-24'); // 03:59 CET
    expect(windowOpening(t('2026-10-25T03:00Z'), saturdayNight)).toBeUndefined(); // 04:00 CET
  });

  it('reads each window in its own zone', () => {
    expect(windowOpening(t('2026-10-14T23:30Z'), weeknights)).toBe('2026-10-14'); // Wed 19:30 EDT
    expect(windowOpening(t('2026-10-14T18:30Z'), weeknights)).toBeUndefined(); // Wed 14:30 EDT
  });

  it('treats start = end as a full day from start', () => {
    const allSunday: MaintenanceWindow = { days: ['sun'], start: '00:00', end: '00:00', timeZone: 'UTC' };
    expect(windowOpening(t('2026-10-11T00:00Z'), allSunday)).toBe('2026-10-11');
    expect(windowOpening(t('2026-10-11T23:59Z'), allSunday)).toBe('2026-10-11');
    expect(windowOpening(t('2026-10-12T00:00Z'), allSunday)).toBeUndefined();
  });
});

describe('insideMaintenanceWindow', () => {
  it('needs the start and the last instant in the same opening; ending exactly at the close is inside', () => {
    expect(insideMaintenanceWindow(t('2026-10-10T21:00Z'), t('2026-10-11T02:00Z'), [saturdayNight])).toBe(
      true,
    );
    expect(insideMaintenanceWindow(t('2026-10-10T21:00Z'), t('2026-10-11T02:01Z'), [saturdayNight])).toBe(
      false,
    );
    // Thursday 22:50–23:40 EDT overruns the weeknight window.
    expect(insideMaintenanceWindow(t('2026-10-16T02:50Z'), t('2026-10-16T03:40Z'), [weeknights])).toBe(false);
  });

  it('accepts a change covered by any one window', () => {
    const both = [weeknights, saturdayNight];
    expect(insideMaintenanceWindow(t('2026-10-10T21:00Z'), t('2026-10-10T21:30Z'), both)).toBe(true);
    expect(insideMaintenanceWindow(t('2026-10-10T21:00Z'), t('2026-10-10T21:30Z'), [])).toBe(false);
  });
});

describe('maintenanceWindowProblem', () => {
  it('is undefined for a good window and names each bad field otherwise', () => {
    expect(maintenanceWindowProblem(saturdayNight)).toBeUndefined();
    expect(
      maintenanceWindowProblem({ days: [], start: '7:00', end: '23:00', timeZone: 'Europe/Berlin' }),
    ).toMatch(/^days: .*; start: must be HH:MM/);
  });
});
