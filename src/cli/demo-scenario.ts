/**
 * The demo data set behind `npm run demo`: one MSP, three regulated clients, six months of patch events that tell
 * the stories an auditor or insurer asks about (late critical patches, rollbacks, a legacy server under a risk
 * acceptance, an emergency change, a segregation-of-duties slip, an unapproved production change, assets that stop
 * reporting). Pure and deterministic: the clock is the `now` argument, randomness is a PRNG seeded from `seed`, so
 * the same call gives byte-identical events and the demo's packs can be checked against a known story.
 *
 * Every story item is named in the client tables below (STORIES); everything else is routine monthly patching with
 * seeded variation (timing, an occasional failed install that succeeds on retry, a missing backup check).
 * Events stop at the end of the last full month, so the story is the same whatever day of the month the demo runs.
 */
import {
  EVENT_KINDS,
  type EventDraft,
  type EventKind,
  type VendorSeverity,
} from '../ingestion/patch-event.js';
import { localToUtc, makeLocal, zoneOffsetMs } from '../ingestion/importers/importer-utils.js';
import type { ClientFramework, Criticality, MaintenanceWindowSpec } from '../tenancy/tenancy.types.js';

export interface DemoAsset {
  hostname: string;
  os: string;
  ring: string;
  criticality: Criticality;
  legacy: boolean;
  tags: string[];
}

export interface DemoClient {
  name: string;
  frameworks: ClientFramework[];
  timeZone: string;
  maintenanceWindows: MaintenanceWindowSpec[];
  assets: DemoAsset[];
  /** Ordered by occurredAt. */
  events: EventDraft[];
}

export interface DemoScenario {
  tenant: { name: string; timeZone: string };
  clients: DemoClient[];
  /** YYYY-MM, oldest first: the six full (UTC) months before `now`. */
  months: string[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
const MONTHS_SHOWN = 6;

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness (cyrb128 → sfc32): small, well mixed, and identical on every platform.

interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

function createRng(seed: string): Rng {
  let [a, b, c, d] = cyrb128(seed);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar and zones.

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

function localParts(zone: string, t: number): LocalParts {
  const wall = new Date(t + zoneOffsetMs(zone, t));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    weekday: ((wall.getUTCDay() + 6) % 7) + 1,
  };
}

/** A wall-clock time in `zone`; parts may overflow (day 32, minute 150) and are normalized like Date.UTC. */
function localInstant(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute));
  const local = makeLocal(
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
  );
  if (local === undefined) throw new Error(`invalid local time ${year}-${month}-${day} ${hour}:${minute}`);
  return localToUtc(local, zone);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isoDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function isoUtcSeconds(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 with the zone's offset at that instant, as apt writes host-local time. */
function isoWithOffset(zone: string, t: number): string {
  const offset = zoneOffsetMs(zone, t);
  const wall = new Date(t + offset).toISOString().slice(0, 19);
  const minutes = Math.abs(offset) / MINUTE;
  return `${wall}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function monthKey(year: number, month: number): string {
  return `${year}-${pad(month)}`;
}

/** Patch Tuesday: the second Tuesday, at 10:00 Pacific when Microsoft publishes. */
function patchTuesday(year: number, month: number): number {
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const firstTuesday = 1 + ((2 - firstWeekday + 7) % 7);
  return localInstant('America/Los_Angeles', year, month, firstTuesday + 7, 10, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Patches.

type Platform = 'ws2012r2' | 'ws2019' | 'ws2022' | 'ws2025' | 'jammy' | 'noble';
type Family = 'cu' | 'kernel' | 'openssl' | 'sudo' | 'printnightmare';

const OS_NAME: Record<Platform, string> = {
  ws2012r2: 'Windows Server 2012 R2 Standard',
  ws2019: 'Windows Server 2019 Standard',
  ws2022: 'Windows Server 2022 Standard',
  ws2025: 'Windows Server 2025 Standard',
  jammy: 'Ubuntu 22.04.5 LTS',
  noble: 'Ubuntu 24.04.3 LTS',
};

const WINDOWS_VERSION: Partial<Record<Platform, string>> = {
  ws2019: '2019',
  ws2022: '2022',
  ws2025: '2025',
};

/**
 * KB numbers climb by about 2,050 a month; anchored on October 2025's real cumulative updates (KB5066586 for
 * Server 2019, KB5066782 for 2022, KB5066835 for 2025), with a per-month wobble that depends on the month only, so
 * every client sees the same KB for the same month whatever the seed.
 */
const KB_ANCHOR = { year: 2025, month: 10, kb: 5_066_000, perMonth: 2_050 };
const KB_OS_OFFSET: Partial<Record<Platform, number>> = { ws2019: 586, ws2022: 782, ws2025: 835 };

function monthsSinceAnchor(year: number, month: number): number {
  return (year - KB_ANCHOR.year) * 12 + (month - KB_ANCHOR.month);
}

/**
 * CISA KEV entries for Windows that were added on (or within two days of) a Patch Tuesday: the month's zero-days.
 * Copied from the 2026.08.21 catalog (../shared/realdata/kev); the spec checks them against it. An update carries
 * only the zero-days of its own month: listing an older KEV CVE would put its catalog due date before the release.
 */
const WINDOWS_ZERO_DAYS: { cveId: string; dateAdded: string; dueDate: string }[] = [
  { cveId: 'CVE-2025-59230', dateAdded: '2025-10-14', dueDate: '2025-11-04' },
  { cveId: 'CVE-2025-24990', dateAdded: '2025-10-14', dueDate: '2025-11-04' },
  { cveId: 'CVE-2025-62215', dateAdded: '2025-11-12', dueDate: '2025-12-03' },
  { cveId: 'CVE-2025-62221', dateAdded: '2025-12-09', dueDate: '2025-12-30' },
  { cveId: 'CVE-2026-20805', dateAdded: '2026-01-13', dueDate: '2026-02-03' },
  { cveId: 'CVE-2026-21510', dateAdded: '2026-02-10', dueDate: '2026-03-03' },
  { cveId: 'CVE-2026-21519', dateAdded: '2026-02-10', dueDate: '2026-03-03' },
  { cveId: 'CVE-2026-21533', dateAdded: '2026-02-10', dueDate: '2026-03-03' },
  { cveId: 'CVE-2025-60710', dateAdded: '2026-04-13', dueDate: '2026-04-27' },
  { cveId: 'CVE-2026-56155', dateAdded: '2026-07-14', dueDate: '2026-07-28' },
  { cveId: 'CVE-2026-68820', dateAdded: '2026-08-11', dueDate: '2026-08-25' },
];

function zeroDaysOf(release: number): string[] {
  return WINDOWS_ZERO_DAYS.filter((z) => {
    const added = Date.parse(`${z.dateAdded}T00:00:00Z`);
    const due = Date.parse(`${z.dueDate}T00:00:00Z`);
    return Math.abs(added - release) <= 2 * DAY && due >= release + 10 * DAY;
  }).map((z) => z.cveId);
}

interface PatchDef {
  id: string;
  family: Family;
  vendor: 'Microsoft' | 'Canonical';
  title?: string;
  /** YYYY-MM-DD, as vendors publish it. */
  releasedAt: string;
  releasedAtMs: number;
  cveIds: string[];
  severity: VendorSeverity;
}

function cumulativeUpdate(year: number, month: number, platform: Platform): PatchDef {
  const version = WINDOWS_VERSION[platform];
  const offset = KB_OS_OFFSET[platform];
  if (version === undefined || offset === undefined) throw new Error(`no cumulative update for ${platform}`);
  const key = monthKey(year, month);
  const kb =
    KB_ANCHOR.kb + monthsSinceAnchor(year, month) * KB_ANCHOR.perMonth + (cyrb128(key)[0] % 40) + offset;
  const release = patchTuesday(year, month);
  return {
    id: `KB${kb}`,
    family: 'cu',
    vendor: 'Microsoft',
    title: `${key} Cumulative Update for Windows Server ${version} for x64-based Systems (KB${kb})`,
    releasedAt: isoDate(release),
    releasedAtMs: release,
    cveIds: zeroDaysOf(release),
    // Microsoft rates nearly every monthly server update Critical (there is almost always a critical RCE in it).
    severity: 'critical',
  };
}

/** Ubuntu security updates; versions follow each release's numbering, one step per month from October 2025. */
function ubuntuUpdate(family: 'kernel' | 'openssl', platform: Platform, releaseMs: number): PatchDef {
  const d = new Date(releaseMs);
  const k = monthsSinceAnchor(d.getUTCFullYear(), d.getUTCMonth() + 1);
  const jammy = platform === 'jammy';
  let pkg: string;
  let version: string;
  if (family === 'kernel') {
    const abi = jammy ? 160 + 2 * k : 88 + 2 * k;
    pkg = jammy ? `linux-image-5.15.0-${abi}-generic` : `linux-image-6.8.0-${abi}-generic`;
    version = jammy ? `5.15.0-${abi}.${abi + 10}` : `6.8.0-${abi}.${abi + 1}`;
  } else {
    pkg = 'openssl';
    version = jammy ? `3.0.2-0ubuntu1.${19 + k}` : `3.0.13-0ubuntu3.${6 + k}`;
  }
  const pocket = jammy ? 'jammy-security' : 'noble-security';
  return {
    id: `${pkg}@${version}`,
    family,
    vendor: 'Canonical',
    title: `${pkg} ${version} (${pocket})`,
    releasedAt: isoDate(releaseMs),
    releasedAtMs: releaseMs,
    cveIds: [],
    severity: family === 'kernel' ? 'high' : 'medium',
  };
}

/** The sudo chroot escape (CVE-2025-32463, KEV since 2025-09-29), fixed for noble in USN-7604-1. */
const SUDO_CHROOT_FIX: PatchDef = {
  id: 'sudo@1.9.15p5-3ubuntu5.24.04.1',
  family: 'sudo',
  vendor: 'Canonical',
  title: 'sudo 1.9.15p5-3ubuntu5.24.04.1 (noble-security)',
  releasedAt: '2025-06-30',
  releasedAtMs: Date.parse('2025-06-30T00:00:00Z'),
  cveIds: ['CVE-2025-32463'],
  severity: 'critical',
};

/** PrintNightmare (CVE-2021-34527) for Server 2012 R2: the update the legacy PACS server cannot take. */
const PRINTNIGHTMARE_2012R2: PatchDef = {
  id: 'KB5004954',
  family: 'printnightmare',
  vendor: 'Microsoft',
  title:
    '2021-07 Security Monthly Quality Rollup for Windows Server 2012 R2 for x64-based Systems (KB5004954)',
  releasedAt: '2021-07-06',
  releasedAtMs: Date.parse('2021-07-06T00:00:00Z'),
  cveIds: ['CVE-2021-34527'],
  severity: 'critical',
};

/** Ubuntu releases per month of the window (index 0 = oldest); `late` = five days before the month ends. */
const UBUNTU_RELEASES: {
  month: number;
  family: 'kernel' | 'openssl';
  day: number | 'late';
  detectOnly?: true;
  platforms?: Platform[];
}[] = [
  { month: 0, family: 'kernel', day: 5 },
  { month: 1, family: 'openssl', day: 16 },
  { month: 2, family: 'kernel', day: 7 },
  { month: 3, family: 'kernel', day: 4 },
  { month: 4, family: 'openssl', day: 15 },
  { month: 5, family: 'kernel', day: 6 },
  // Published at the very end of the period: found by the scan, not yet through change approval.
  { month: 5, family: 'openssl', day: 'late', detectOnly: true, platforms: ['noble'] },
];

// ---------------------------------------------------------------------------------------------------------------
// The clients and their stories.

/** What departs from routine for one (asset, patch) item. */
interface ItemStory {
  /** Why, for the reader of this file (not emitted). */
  note: string;
  /** Earliest deployment, in days after the release (a vendor freeze, an offline store). */
  deployAfterDays?: number;
  /** Failed attempts before the one that succeeds (same window). */
  failCodes?: string[];
  /** The failures are all there is: the item stays open. Each failure in its own window. */
  neverSucceeds?: true;
  /** The lifecycle ends here (deferred, or the period ended). */
  stopAfter?: 'detected' | 'approved';
  /** A later cumulative update on this server supersedes this one. */
  supersededByNext?: true;
  rollback?: { afterHours: number; redeployAfterDays?: number };
  /** Deployed first, approved `approveAfterHours` later. */
  emergency?: { approveAfterHours: number };
  noApproval?: true;
  approver?: string;
  deployer?: string;
  /** A separate change ticket for this item. */
  ticketGroup?: string;
  /** CVEs the scanner found on this host beyond the patch's own list. */
  extraCves?: string[];
  /** No pilot gate and a same-day approval. */
  expedite?: true;
  noBackup?: true;
}

interface ExtraItem {
  month: number;
  hostname: string;
  patch: PatchDef;
  /** Day of the month the scanner first reports it. */
  detectDay: number;
  story: ItemStory;
}

interface ExceptionItem {
  hostname: string;
  patch: PatchDef;
  detectDay: number;
  grantAfterDays: number;
  validDays: number;
  reason: string;
  compensatingControls: string[];
  owner: string;
  approver: string;
}

type AssetRow = [
  hostname: string,
  platform: Platform,
  criticality: Criticality,
  tags: string[],
  ring?: string,
];

interface ClientSpec {
  slug: string;
  name: string;
  frameworks: ClientFramework[];
  timeZone: string;
  maintenanceWindows: MaintenanceWindowSpec[];
  assets: AssetRow[];
  approvers: string[];
  /** Change ticket of one group's change (Windows wave, Linux wave, a one-off) in the month it was raised. */
  ticket: (year: number, month: number, group: string) => string;
  /** Ring that gets each patch first, and the days production waits after it. */
  pilot?: { ring: string; delayDays: [number, number] };
  /** The RMM records the maintenance-window booking (`scheduled`). */
  schedules: boolean;
  /** Where Windows detections come from: NinjaOne's patch scan, or the Windows Update agent via WEF. */
  windowsDetectSource: 'ninjaone' | 'windows-update';
  ninjaActivityBase: number;
  /** Hostname → last window month (index) with data: the agent went silent after it. */
  stopsReporting: Record<string, number>;
  /** `${hostname} ${family} ${monthIndex}` → story. */
  stories: Record<string, ItemStory>;
  extraItems: ExtraItem[];
  exceptions: ExceptionItem[];
}

/** Harbor IT's engineers: they deploy and verify; clients' own staff approve. */
const TECHNICIANS = ['Zoë Ångström', 'José Núñez', 'Björn Lindqvist', 'Mei-Ling Chen', 'Daniel Okafor'];

const WINDOWS_ERRORS = ['0x80070643', '0x800f0922', '0x800f081f', '0x80073712', '0x8024200B'];

/**
 * Autotask-style ticket numbers of Harbor's PSA: T<date opened>.<sequence of the day>. The month's patch tickets
 * are opened on the 1st, so a ticket never postdates the approval that cites it.
 */
function harborTicket(seq: number) {
  const offsets: Record<string, number> = { windows: 11, test: 12, linux: 17 };
  return (year: number, month: number, group: string): string =>
    `T${year}${pad(month)}01.${pad(seq + (offsets[group] ?? 23) + month, 4)}`;
}

const NORTHWIND: ClientSpec = {
  slug: 'northwind',
  name: 'Northwind Dental Group',
  frameworks: ['hipaa'],
  timeZone: 'America/Chicago',
  maintenanceWindows: [
    { days: [3], start: '20:00', end: '23:59' },
    { days: [6], start: '18:00', end: '23:00' },
  ],
  assets: [
    ['nwd-dc-01', 'ws2022', 'high', ['domain-controller']],
    ['nwd-dc-02', 'ws2022', 'high', ['domain-controller']],
    ['nwd-ehr-db-01', 'ws2019', 'critical', ['ehr', 'sql', 'ephi']],
    ['nwd-ehr-app-01', 'ws2019', 'critical', ['ehr', 'ephi']],
    ['nwd-ehr-app-02', 'ws2019', 'critical', ['ehr', 'ephi']],
    ['nwd-fs-01', 'ws2022', 'high', ['file-server', 'ephi']],
    ['nwd-sql-02', 'ws2022', 'high', ['sql', 'reporting', 'ephi']],
    ['nwd-rds-01', 'ws2022', 'medium', ['remote-desktop']],
    ['nwd-rds-02', 'ws2022', 'medium', ['remote-desktop']],
    ['nwd-rds-03', 'ws2022', 'medium', ['remote-desktop']],
    ['nwd-print-01', 'ws2019', 'medium', ['print-server']],
    ['nwd-veeam-01', 'ws2022', 'high', ['backup']],
    ['nwd-av-01', 'ws2025', 'medium', ['endpoint-security']],
    ['nwd-img-01', 'ws2022', 'high', ['imaging', 'ephi']],
    ['nwd-img-02', 'ws2022', 'high', ['imaging', 'ephi']],
    ['nwd-clinic-downtown-01', 'ws2019', 'high', ['clinic', 'ephi']],
    ['nwd-clinic-lakeview-01', 'ws2019', 'medium', ['clinic', 'ephi']],
    ['nwd-clinic-oakpark-01', 'ws2019', 'medium', ['clinic', 'ephi']],
    ['nwd-clinic-evanston-01', 'ws2019', 'medium', ['clinic', 'ephi']],
    ['nwd-clinic-naperville-01', 'ws2019', 'medium', ['clinic', 'ephi']],
    ['nwd-clinic-skokie-01', 'ws2019', 'medium', ['clinic', 'ephi']],
    ['legacy-pacs-01', 'ws2012r2', 'critical', ['pacs', 'imaging', 'ephi', 'end-of-life', 'vlan-40']],
    ['nwd-portal-01', 'jammy', 'high', ['patient-portal', 'dmz', 'ephi']],
    ['nwd-backup-01', 'jammy', 'high', ['backup', 'hardened-repository']],
    ['nwd-mon-01', 'jammy', 'low', ['monitoring']],
  ],
  approvers: ['Dr. Tomás Ibáñez', 'Renée Dubois'],
  ticket: harborTicket(40),
  schedules: false,
  windowsDetectSource: 'ninjaone',
  ninjaActivityBase: 48_213_377,
  stopsReporting: { 'nwd-clinic-skokie-01': 3 },
  stories: {
    'nwd-backup-01 kernel 0': {
      note: 'kernel held (apt-mark hold) for the backup appliance driver since early 2024: the scan finds KEV kernel CVEs',
      extraCves: ['CVE-2023-0386', 'CVE-2024-1086'],
      deployAfterDays: 42,
    },
    'nwd-ehr-db-01 cu 1': { note: 'EHR vendor change freeze', deployAfterDays: 38 },
    'nwd-ehr-app-01 cu 2': {
      note: 'EHR claim printing broke: uninstalled the next day, reinstalled after the vendor hotfix',
      rollback: { afterHours: 20, redeployAfterDays: 9 },
    },
    'nwd-clinic-evanston-01 cu 3': {
      note: 'clinic under renovation, server off during every window; next month the newer update replaces it',
      stopAfter: 'approved',
      supersededByNext: true,
    },
    'nwd-img-02 cu 4': {
      note: 'deferred: imaging viewer not yet validated by its vendor',
      stopAfter: 'approved',
    },
    'nwd-img-02 cu 5': { note: 'still waiting for the imaging vendor', stopAfter: 'detected' },
    'nwd-rds-02 cu 5': {
      note: 'RD licensing stopped issuing CALs: rolled back, not reinstalled by the end of the period',
      rollback: { afterHours: 44 },
    },
  },
  extraItems: [],
  exceptions: [
    {
      hostname: 'legacy-pacs-01',
      patch: PRINTNIGHTMARE_2012R2,
      detectDay: 3,
      grantAfterDays: 6,
      validDays: 365,
      reason:
        'The PACS imaging software on legacy-pacs-01 is certified by its vendor only on the 2021-06 baseline of ' +
        'Windows Server 2012 R2; KB5004954 breaks the modality print path (DICOM print to film printers). The server ' +
        'is replaced in project NWD-PACS-2027.',
      compensatingControls: [
        'Network segmentation: imaging VLAN 40; ACL allows only DICOM (TCP 104, 11112) from the modality subnet',
        'No internet egress: firewall denies all outbound traffic from VLAN 40',
        'Print Spooler reachable only from the modality subnet; Point and Print restricted to administrators by GPO',
        'EDR agent in block mode; Harbor SOC reviews the server logs weekly',
      ],
      owner: 'Renée Dubois',
      approver: 'Dr. Tomás Ibáñez',
    },
  ],
};

const CONTOSO_STORES = Array.from({ length: 12 }, (_, i): AssetRow => {
  const n = 101 + i;
  return [`cp-store-${n}-srv`, 'ws2019', 'medium', ['store', 'pos-back-office']];
});

const CONTOSO: ClientSpec = {
  slug: 'contoso',
  name: 'Contoso Pharmacy',
  frameworks: ['pci-dss'],
  timeZone: 'America/Denver',
  maintenanceWindows: [
    { days: [2, 4], start: '20:00', end: '23:59' },
    { days: [6], start: '06:00', end: '12:00' },
  ],
  assets: [
    ['cp-pilot-app-01', 'ws2022', 'medium', ['pilot'], 'pilot'],
    ['cp-pilot-db-01', 'ws2019', 'medium', ['pilot', 'sql'], 'pilot'],
    ['cp-pilot-store-01', 'ws2019', 'medium', ['pilot', 'store'], 'pilot'],
    ['cp-pilot-web-01', 'noble', 'medium', ['pilot', 'web'], 'pilot'],
    ['cp-pos-gw-01', 'ws2022', 'critical', ['cde', 'card-data', 'payment-gateway']],
    ['cp-pos-gw-02', 'ws2022', 'critical', ['cde', 'card-data', 'payment-gateway']],
    ['cp-pay-db-01', 'ws2019', 'critical', ['cde', 'card-data', 'sql']],
    ['cp-pay-db-02', 'ws2019', 'critical', ['cde', 'card-data', 'sql']],
    ['cp-tokenizer-01', 'noble', 'critical', ['cde', 'card-data', 'tokenization']],
    ['cp-jump-01', 'ws2022', 'high', ['cde', 'jump-host']],
    ['cp-rx-app-01', 'ws2022', 'high', ['pharmacy-system', 'phi']],
    ['cp-rx-app-02', 'ws2022', 'high', ['pharmacy-system', 'phi']],
    ['cp-rx-db-01', 'ws2019', 'high', ['pharmacy-system', 'sql', 'phi']],
    ['cp-dc-01', 'ws2022', 'high', ['domain-controller', 'cde-connected']],
    ['cp-dc-02', 'ws2022', 'high', ['domain-controller', 'cde-connected']],
    ['cp-web-01', 'noble', 'high', ['dmz', 'ecommerce', 'cde-connected']],
    ['cp-web-02', 'noble', 'high', ['dmz', 'ecommerce', 'cde-connected']],
    ['cp-siem-01', 'noble', 'high', ['logging', 'cde-connected']],
    ...CONTOSO_STORES,
  ],
  approvers: ['Łukasz Wójcik', 'Anaïs Lefèvre'],
  ticket: harborTicket(310),
  pilot: { ring: 'pilot', delayDays: [2, 4] },
  schedules: true,
  windowsDetectSource: 'windows-update',
  ninjaActivityBase: 51_904_120,
  stopsReporting: { 'cp-store-109-srv': 2 },
  stories: {
    'cp-pos-gw-01 cu 1': {
      note: 'payment terminals lost TLS to the gateway: uninstalled within two hours, reinstalled after the vendor fix',
      rollback: { afterHours: 2, redeployAfterDays: 6 },
    },
    'cp-store-107-srv cu 1': {
      note: 'store WAN circuit down for weeks: server unreachable',
      deployAfterDays: 44,
    },
    'cp-pay-db-02 cu 4': {
      note: 'install fails on the card-data SQL server in two windows; case open with Microsoft',
      failCodes: ['0x80070643', '0x80070643'],
      neverSucceeds: true,
    },
    'cp-pay-db-02 cu 5': { note: 'held until the previous failure is solved', stopAfter: 'approved' },
    'cp-rx-app-02 cu 5': {
      note: 'pharmacy label printing failed: rolled back, not reinstalled by the end of the period',
      rollback: { afterHours: 22 },
    },
  },
  extraItems: [
    {
      month: 3,
      hostname: 'cp-web-02',
      patch: SUDO_CHROOT_FIX,
      detectDay: 18,
      story: {
        note: 'first vulnerability scan of the DMZ finds sudo never updated since the 2025 build: fixed at once, but a year late',
        expedite: true,
      },
    },
  ],
  exceptions: [],
};

const FABRIKAM: ClientSpec = {
  slug: 'fabrikam',
  name: 'Fabrikam Financial',
  frameworks: ['sox-itgc'],
  timeZone: 'America/New_York',
  maintenanceWindows: [
    { days: [2, 4], start: '19:00', end: '23:00' },
    { days: [7], start: '08:00', end: '14:00' },
  ],
  assets: [
    ['fab-test-app-01', 'ws2022', 'medium', ['test'], 'test'],
    ['fab-test-db-01', 'ws2019', 'medium', ['test', 'sql'], 'test'],
    ['fab-dc-01', 'ws2022', 'high', ['domain-controller']],
    ['fab-dc-02', 'ws2022', 'high', ['domain-controller']],
    ['fab-erp-app-01', 'ws2022', 'critical', ['erp', 'sox-in-scope', 'financial-reporting']],
    ['fab-erp-app-02', 'ws2022', 'critical', ['erp', 'sox-in-scope', 'financial-reporting']],
    ['fab-erp-db-01', 'ws2019', 'critical', ['erp', 'sql', 'sox-in-scope']],
    ['fab-gl-rpt-01', 'ws2019', 'high', ['reporting', 'sox-in-scope']],
    ['fab-cons-01', 'ws2022', 'high', ['consolidation', 'sox-in-scope']],
    ['fab-adfs-01', 'ws2022', 'high', ['adfs', 'internet-facing', 'sso']],
    ['fab-fs-01', 'ws2019', 'medium', ['file-server']],
    ['fab-rds-01', 'ws2022', 'medium', ['remote-desktop']],
    ['fab-rds-02', 'ws2022', 'medium', ['remote-desktop']],
    ['fab-ca-01', 'ws2019', 'high', ['pki']],
    ['fab-jump-01', 'ws2022', 'high', ['jump-host', 'sox-in-scope']],
    ['fab-print-01', 'ws2019', 'low', ['print-server']],
    ['fab-sftp-01', 'jammy', 'high', ['bank-file-transfer', 'sox-in-scope']],
    ['fab-etl-01', 'noble', 'high', ['etl', 'sox-in-scope']],
    ['fab-web-01', 'noble', 'medium', ['intranet']],
    ['fab-mon-01', 'jammy', 'low', ['monitoring']],
  ],
  approvers: ['Priya Raghunathan', 'Søren Mikkelsen'],
  // ServiceNow change numbers: one per month and group, in the order the CAB raises them.
  ticket: (year, month, group) => {
    const groups = ['test', 'windows', 'linux', 'pki', 'emergency'];
    const index = Math.max(0, groups.indexOf(group));
    return `CHG00${41_873 + monthsSinceAnchor(year, month) * 37 + index * 3}`;
  },
  pilot: { ring: 'test', delayDays: [2, 3] },
  schedules: false,
  windowsDetectSource: 'ninjaone',
  ninjaActivityBase: 55_310_006,
  stopsReporting: { 'fab-rds-02': 4 },
  stories: {
    'fab-etl-01 openssl 1': {
      note: 'nightly ETL to the GL failed on the new OpenSSL: downgraded next morning, reinstalled after a fix',
      rollback: { afterHours: 10, redeployAfterDays: 5 },
    },
    'fab-ca-01 cu 1': {
      note: 'PKI server patched as its own change, approved and deployed by the same engineer',
      approver: 'José Núñez',
      deployer: 'José Núñez',
      ticketGroup: 'pki',
    },
    'fab-adfs-01 cu 2': {
      note: 'internet-facing ADFS and a KEV zero-day in the release: emergency change, CAB approval two days later',
      emergency: { approveAfterHours: 48 },
      ticketGroup: 'emergency',
    },
    'fab-erp-db-01 cu 2': { note: 'quarter-end close freeze on the ERP database', deployAfterDays: 46 },
    'fab-cons-01 cu 3': { note: 'consolidation run for the audit committee, freeze', deployAfterDays: 39 },
    'fab-jump-01 cu 3': { note: 'deployed to production with no change approval', noApproval: true },
    'fab-dc-02 cu 4': {
      note: 'install fails (reserved partition full); nobody retried',
      failCodes: ['0x800f0922'],
      neverSucceeds: true,
    },
    'fab-dc-02 cu 5': { note: 'held behind the failed update', stopAfter: 'approved' },
    'fab-rds-01 cu 5': {
      note: 'RemoteApp sessions crashed: rolled back, not reinstalled by the end of the period',
      rollback: { afterHours: 30 },
    },
  },
  extraItems: [],
  exceptions: [],
};

const CLIENTS = [NORTHWIND, CONTOSO, FABRIKAM];

// ---------------------------------------------------------------------------------------------------------------
// Generation.

interface Asset extends DemoAsset {
  platform: Platform;
}

type Source = 'ninjaone' | 'windows-update' | 'apt-history';

/** An event before its source id is assigned (ids follow time order, as real activity logs do). */
interface Pending {
  at: number;
  source: Source;
  /** apt history: the id is the record's start time and action, not a counter. */
  aptAction?: 'upgrade' | 'downgrade';
  draft: Omit<EventDraft, 'sourceEventId' | 'source' | 'occurredAt'>;
}

interface Run {
  spec: ClientSpec;
  rng: Rng;
  windowEnd: number;
  events: Pending[];
  /** Earliest time a host may take its next change (one change at a time per server). */
  readyAt: Map<string, number>;
  /** Successful pilot installs per patch id. */
  pilotDeployedAt: Map<string, number>;
  /** Per host: an item a later cumulative update will supersede. */
  pendingSupersede: Map<string, PatchDef>;
}

function isWindows(asset: Asset): boolean {
  return asset.platform.startsWith('ws');
}

function emit(
  run: Run,
  kind: EventKind,
  at: number,
  source: Source,
  asset: Asset,
  patch: PatchDef,
  extra: Partial<EventDraft> = {},
  aptAction?: Pending['aptAction'],
): void {
  const descriptor = source === 'apt-history' ? { id: patch.id } : patchDescriptor(patch);
  run.events.push({
    // The Windows System log keeps sub-second precision; the RMM and apt write whole seconds.
    at: source === 'windows-update' ? at + run.rng.int(0, 999) : at,
    source,
    aptAction,
    draft: {
      kind,
      asset: {
        hostname: asset.hostname,
        os: asset.os,
        ring: asset.ring,
        criticality: asset.criticality,
        ...(asset.legacy ? { legacy: true } : {}),
      },
      patch: descriptor,
      ...extra,
    },
  });
}

function patchDescriptor(patch: PatchDef): EventDraft['patch'] {
  return {
    id: patch.id,
    vendor: patch.vendor,
    ...(patch.title === undefined ? {} : { title: patch.title }),
    releasedAt: patch.releasedAt,
  };
}

/** Nightly scans run between 01:00 and 06:00 local. */
function scanTime(run: Run, dayStart: number): number {
  const p = localParts(run.spec.timeZone, dayStart);
  return (
    localInstant(run.spec.timeZone, p.year, p.month, p.day, run.rng.int(1, 5), run.rng.int(0, 59)) +
    run.rng.int(0, 59) * 1000
  );
}

/** The first weekday business moment (08:00–17:59 local) at or after `t`. */
function businessTime(run: Run, t: number): number {
  const zone = run.spec.timeZone;
  for (let probe = t, i = 0; i < 10; i++) {
    const p = localParts(zone, probe);
    if (p.weekday <= 5 && p.hour >= 8 && p.hour < 18) return probe;
    const dayOffset = p.weekday <= 5 && p.hour < 8 ? 0 : 1;
    probe =
      localInstant(zone, p.year, p.month, p.day + dayOffset, 8, run.rng.int(0, 150)) +
      run.rng.int(0, 59) * 1000;
  }
  return t;
}

/** The first maintenance window that starts at or after `notBefore`. */
function nextWindow(run: Run, notBefore: number): { start: number; end: number } {
  const zone = run.spec.timeZone;
  const first = localParts(zone, notBefore);
  for (let d = 0; d < 15; d++) {
    const weekday = ((first.weekday - 1 + d) % 7) + 1;
    const starts = run.spec.maintenanceWindows
      .filter((w) => w.days.includes(weekday))
      .map((w) => {
        const [sh, sm] = w.start.split(':').map(Number);
        const [eh, em] = w.end.split(':').map(Number);
        return {
          start: localInstant(zone, first.year, first.month, first.day + d, sh, sm),
          end: localInstant(zone, first.year, first.month, first.day + d, eh, em),
        };
      })
      .filter((w) => w.start >= notBefore)
      .sort((a, b) => a.start - b.start);
    if (starts.length > 0) return starts[0];
  }
  throw new Error('no maintenance window within two weeks');
}

function approverFor(run: Run, story: ItemStory): string {
  return story.approver ?? run.rng.pick(run.spec.approvers);
}

/** The change ticket of the wave the item was found in (a re-approval after a rollback keeps it). */
function ticketFor(run: Run, foundAt: number, group: string): string {
  const p = localParts(run.spec.timeZone, foundAt);
  return run.spec.ticket(p.year, p.month, group);
}

function changeGroup(asset: Asset, story: ItemStory, run: Run): string {
  if (story.ticketGroup !== undefined) return story.ticketGroup;
  if (run.spec.pilot !== undefined && asset.ring === run.spec.pilot.ring) return 'test';
  return isWindows(asset) ? 'windows' : 'linux';
}

/**
 * One maintenance-window deployment: backup check before the window, install (with the story's failures),
 * post-change verification. Returns when the install succeeded, or undefined.
 */
function deploy(
  run: Run,
  asset: Asset,
  patch: PatchDef,
  notBefore: number,
  story: ItemStory,
): number | undefined {
  const { rng } = run;
  const windows = isWindows(asset);
  const deployer = story.deployer ?? rng.pick(TECHNICIANS);
  let window = nextWindow(run, notBefore);
  // The NinjaOne job reports the result with the engineer who ran it; the start comes from the host itself.
  if (story.noBackup !== true && rng.chance(0.92)) {
    emit(
      run,
      'backup_verified',
      window.start - rng.int(30, 120) * MINUTE - rng.int(0, 59) * 1000,
      'ninjaone',
      asset,
      patch,
    );
  }
  let t = window.start + rng.int(2, 50) * MINUTE + rng.int(0, 59) * 1000;
  const failures = story.failCodes ?? (windows && rng.chance(0.06) ? [rng.pick(WINDOWS_ERRORS)] : []);
  for (const [i, code] of failures.entries()) {
    if (story.neverSucceeds === true && i > 0) {
      window = nextWindow(run, t + DAY);
      t = window.start + rng.int(2, 50) * MINUTE;
    }
    started(run, asset, patch, t, deployer);
    t += rng.int(12, 40) * MINUTE + rng.int(0, 59) * 1000;
    emit(run, 'failed', t, 'ninjaone', asset, patch, { actor: deployer, errorCode: code });
    t += rng.int(40, 70) * MINUTE;
  }
  if (story.neverSucceeds === true) return undefined;
  started(run, asset, patch, t, deployer);
  if (windows) {
    t += rng.int(15, 55) * MINUTE + rng.int(0, 59) * 1000;
    emit(run, 'deployed', t, 'ninjaone', asset, patch, { actor: deployer });
  } else {
    // apt writes the record when the run ends; Requested-By names the engineer's account.
    t += rng.int(1, 6) * MINUTE + rng.int(0, 59) * 1000;
    emit(run, 'deployed', t, 'apt-history', asset, patch, { actor: deployer }, 'upgrade');
  }
  const deployedAt = t;
  verify(run, asset, patch, deployedAt, story.rollback !== undefined);
  run.readyAt.set(asset.hostname, deployedAt + 30 * MINUTE);
  return deployedAt;
}

/**
 * The install starting: on Windows the Windows Update client's event 43 (no user in it), on Linux the NinjaOne job
 * that runs apt.
 */
function started(
  run: Run,
  asset: Asset,
  patch: PatchDef,
  at: number,
  deployer: string,
  emergency?: true,
): void {
  if (isWindows(asset)) {
    emit(run, 'deployment_started', at, 'windows-update', asset, patch, emergency ? { emergency } : {});
  } else {
    emit(run, 'deployment_started', at, 'ninjaone', asset, patch, {
      actor: deployer,
      ...(emergency ? { emergency } : {}),
    });
  }
}

/** Post-change check: mostly within hours, sometimes the next morning, now and then never recorded. */
function verify(run: Run, asset: Asset, patch: PatchDef, deployedAt: number, soon = false): void {
  const { rng } = run;
  const roll = rng.next();
  if (roll < 0.04 && !soon) return;
  let at: number;
  // A change that is rolled back later was checked right after the install; the problem surfaced afterwards.
  if (soon) at = deployedAt + rng.int(15, 45) * MINUTE + rng.int(0, 59) * 1000;
  else if (roll < 0.86) at = deployedAt + rng.int(20, 360) * MINUTE + rng.int(0, 59) * 1000;
  else at = businessTime(run, deployedAt + 8 * HOUR);
  emit(run, 'verified', at, 'ninjaone', asset, patch, { actor: rng.pick(TECHNICIANS) });
}

function approve(
  run: Run,
  asset: Asset,
  patch: PatchDef,
  at: number,
  foundAt: number,
  story: ItemStory,
  extra: Partial<EventDraft> = {},
): void {
  emit(run, 'approved', at, 'ninjaone', asset, patch, {
    actor: approverFor(run, story),
    changeTicket: ticketFor(run, foundAt, changeGroup(asset, story, run)),
    ...extra,
  });
}

function rollBack(run: Run, asset: Asset, patch: PatchDef, at: number): void {
  const actor = run.rng.pick(TECHNICIANS);
  // Windows: Windows Update client event 23 (uninstallation succeeded); Linux: an apt Downgrade record.
  if (isWindows(asset)) emit(run, 'rolled_back', at, 'windows-update', asset, patch, { actor });
  else emit(run, 'rolled_back', at, 'apt-history', asset, patch, { actor }, 'downgrade');
}

/** The life of one (asset, patch) item, from detection to whatever the story says. */
function runItem(run: Run, asset: Asset, patch: PatchDef, story: ItemStory, detectAt: number): void {
  const { rng, spec } = run;
  const cveIds = [...patch.cveIds, ...(story.extraCves ?? [])];
  const expedite = story.expedite === true || patch.cveIds.length > 0;
  const detectSource: Source = isWindows(asset) ? spec.windowsDetectSource : 'ninjaone';
  emit(run, 'detected', detectAt, detectSource, asset, patch, {
    ...(cveIds.length > 0 ? { cveIds } : {}),
    vendorSeverity: patch.severity,
  });
  if (story.stopAfter === 'detected') return;

  if (story.emergency !== undefined) {
    // Deployed the same afternoon or evening, outside the windows; the CAB approves afterwards.
    const deployer = story.deployer ?? rng.pick(TECHNICIANS);
    const start = detectAt + rng.int(13, 16) * HOUR + rng.int(0, 59) * MINUTE;
    started(run, asset, patch, start, deployer, true);
    const deployedAt = start + rng.int(18, 40) * MINUTE;
    emit(run, 'deployed', deployedAt, 'ninjaone', asset, patch, { actor: deployer, emergency: true });
    verify(run, asset, patch, deployedAt);
    run.readyAt.set(asset.hostname, deployedAt + 30 * MINUTE);
    approve(
      run,
      asset,
      patch,
      deployedAt + story.emergency.approveAfterHours * HOUR + rng.int(10, 90) * MINUTE,
      detectAt,
      story,
      {
        emergency: true,
      },
    );
    return;
  }

  let approvedAt: number | undefined;
  if (story.noApproval !== true) {
    const wait = expedite ? rng.int(60, 240) : rng.int(180, 1800);
    approvedAt = businessTime(run, detectAt + wait * MINUTE);
    approve(run, asset, patch, approvedAt, detectAt, story);
  }
  const decidedAt = approvedAt ?? detectAt;
  if (spec.schedules)
    emit(run, 'scheduled', decidedAt + rng.int(5, 40) * MINUTE, 'ninjaone', asset, patch, {
      actor: rng.pick(TECHNICIANS),
    });
  if (story.stopAfter === 'approved') {
    if (story.supersededByNext === true) run.pendingSupersede.set(asset.hostname, patch);
    return;
  }

  let notBefore = Math.max(decidedAt + HOUR, run.readyAt.get(asset.hostname) ?? 0);
  if (story.deployAfterDays !== undefined)
    notBefore = Math.max(notBefore, patch.releasedAtMs + story.deployAfterDays * DAY);
  const pilot = spec.pilot;
  if (pilot !== undefined && asset.ring !== pilot.ring && story.expedite !== true) {
    const pilotAt = run.pilotDeployedAt.get(patch.id);
    if (pilotAt !== undefined) {
      const [min, max] = pilot.delayDays;
      notBefore = Math.max(notBefore, pilotAt + (expedite ? min : rng.int(min, max)) * DAY);
    }
  }
  const deployedAt = deploy(run, asset, patch, notBefore, story);
  if (deployedAt === undefined) return;
  if (pilot !== undefined && asset.ring === pilot.ring) {
    run.pilotDeployedAt.set(patch.id, Math.min(run.pilotDeployedAt.get(patch.id) ?? Infinity, deployedAt));
  }

  const earlier = run.pendingSupersede.get(asset.hostname);
  if (earlier !== undefined && earlier.family === patch.family && earlier.id !== patch.id) {
    // NinjaOne marks the skipped update superseded once the newer cumulative update is installed.
    emit(run, 'superseded', deployedAt + rng.int(5, 25) * MINUTE, 'ninjaone', asset, earlier, {
      supersededBy: patch.id,
    });
    run.pendingSupersede.delete(asset.hostname);
  }

  if (story.rollback !== undefined) {
    const rolledBackAt = deployedAt + story.rollback.afterHours * HOUR + rng.int(0, 50) * MINUTE;
    rollBack(run, asset, patch, rolledBackAt);
    run.readyAt.set(asset.hostname, rolledBackAt + HOUR);
    const { redeployAfterDays } = story.rollback;
    if (redeployAfterDays !== undefined) {
      const reapprovedAt = businessTime(run, rolledBackAt + (redeployAfterDays - 1) * DAY);
      approve(run, asset, patch, reapprovedAt, detectAt, story);
      deploy(run, asset, patch, reapprovedAt + HOUR, { note: 'redeploy' });
    }
  }
}

function grantException(run: Run, asset: Asset, item: ExceptionItem, windowStart: number): void {
  const zone = run.spec.timeZone;
  const start = localParts(zone, windowStart + DAY);
  const detectAt = scanTime(run, localInstant(zone, start.year, start.month, item.detectDay, 12, 0));
  emit(run, 'detected', detectAt, 'ninjaone', asset, item.patch, {
    cveIds: item.patch.cveIds,
    vendorSeverity: item.patch.severity,
  });
  const grantedAt = businessTime(run, detectAt + item.grantAfterDays * DAY);
  emit(run, 'exception_granted', grantedAt, 'ninjaone', asset, item.patch, {
    actor: item.approver,
    changeTicket: run.spec.ticket(start.year, start.month, 'exception'),
    exception: {
      reason: item.reason,
      compensatingControls: item.compensatingControls,
      owner: item.owner,
      approver: item.approver,
      expiresAt: isoUtcSeconds(grantedAt + item.validDays * DAY),
    },
  });
  // The scanner keeps reporting the missing update every month; re-detection does not restart any clock.
  for (let m = 1; m < MONTHS_SHOWN; m++) {
    const p = localParts(zone, detectAt);
    const again = scanTime(run, localInstant(zone, p.year, p.month + m, item.detectDay, 12, 0));
    if (again < run.windowEnd)
      emit(run, 'detected', again, 'ninjaone', asset, item.patch, { vendorSeverity: item.patch.severity });
  }
}

function buildAssets(spec: ClientSpec): Asset[] {
  return spec.assets.map(([hostname, platform, criticality, tags, ring]) => ({
    hostname,
    os: OS_NAME[platform],
    ring: ring ?? 'production',
    criticality,
    legacy: platform === 'ws2012r2',
    tags,
    platform,
  }));
}

function buildClient(
  spec: ClientSpec,
  months: { year: number; month: number }[],
  windowEnd: number,
  seed: string,
): DemoClient {
  const run: Run = {
    spec,
    rng: createRng(`${seed}:${spec.slug}`),
    windowEnd,
    events: [],
    readyAt: new Map(),
    pilotDeployedAt: new Map(),
    pendingSupersede: new Map(),
  };
  const assets = buildAssets(spec);
  // Pilot ring first, so production waits for it.
  const ordered = [...assets].sort(
    (a, b) => Number(b.ring === spec.pilot?.ring) - Number(a.ring === spec.pilot?.ring),
  );
  const byHost = new Map(assets.map((a) => [a.hostname, a]));
  const storyOf = (host: string, family: Family, m: number): ItemStory =>
    spec.stories[`${host} ${family} ${m}`] ?? { note: 'routine' };

  for (const item of spec.exceptions) {
    const asset = byHost.get(item.hostname);
    if (asset === undefined) throw new Error(`exception for unknown host ${item.hostname}`);
    grantException(run, asset, item, Date.UTC(months[0].year, months[0].month - 1, 1));
  }

  months.forEach(({ year, month }, m) => {
    const monthEnd = Date.UTC(year, month, 1);
    for (const asset of ordered) {
      const lastMonth = spec.stopsReporting[asset.hostname];
      if (lastMonth !== undefined && m > lastMonth) continue;
      if (asset.platform === 'ws2012r2') continue; // no Extended Security Updates bought: no monthly updates
      if (isWindows(asset)) {
        const patch = cumulativeUpdate(year, month, asset.platform);
        const story = storyOf(asset.hostname, 'cu', m);
        const days = patch.cveIds.length > 0 ? 1 : run.rng.int(1, 3);
        runItem(run, asset, patch, story, scanTime(run, patch.releasedAtMs + days * DAY));
        continue;
      }
      const releases = UBUNTU_RELEASES.filter(
        (r) => r.month === m && (r.platforms === undefined || r.platforms.includes(asset.platform)),
      );
      for (const release of releases) {
        const day = release.day === 'late' ? new Date(monthEnd - 5 * DAY).getUTCDate() : release.day;
        const releaseMs = Date.UTC(year, month - 1, day, 15, 0);
        const patch = ubuntuUpdate(release.family, asset.platform, releaseMs);
        const story =
          release.detectOnly === true
            ? { note: 'end of period', stopAfter: 'detected' as const }
            : storyOf(asset.hostname, release.family, m);
        runItem(run, asset, patch, story, scanTime(run, releaseMs + run.rng.int(1, 2) * DAY));
      }
    }
    for (const extra of spec.extraItems.filter((x) => x.month === m)) {
      const asset = byHost.get(extra.hostname);
      if (asset === undefined) throw new Error(`extra item for unknown host ${extra.hostname}`);
      runItem(
        run,
        asset,
        extra.patch,
        extra.story,
        scanTime(run, Date.UTC(year, month - 1, extra.detectDay, 12)),
      );
    }
  });

  return {
    name: spec.name,
    frameworks: spec.frameworks,
    timeZone: spec.timeZone,
    maintenanceWindows: spec.maintenanceWindows,
    assets: assets.map(({ platform: _platform, ...asset }) => asset),
    events: finish(run),
  };
}

/**
 * Orders the events, drops what falls after the period, and assigns source ids in time order: NinjaOne activity
 * ids grow with gaps (other customers' activity), Windows event record ids grow per host, apt records are named
 * by host, start time and package as the apt-history importer names them.
 */
function finish(run: Run): EventDraft[] {
  const { rng, spec } = run;
  const kept = run.events
    .filter((e) => e.at < run.windowEnd)
    .sort(
      (a, b) =>
        a.at - b.at ||
        EVENT_KINDS.indexOf(a.draft.kind) - EVENT_KINDS.indexOf(b.draft.kind) ||
        a.draft.asset.hostname.localeCompare(b.draft.asset.hostname) ||
        a.draft.patch.id.localeCompare(b.draft.patch.id),
    );
  let activity = spec.ninjaActivityBase;
  const records = new Map<string, number>();
  return kept.map((e): EventDraft => {
    const host = e.draft.asset.hostname;
    let sourceEventId: string;
    let occurredAt: string;
    switch (e.source) {
      case 'ninjaone':
        activity += rng.int(1, 9);
        sourceEventId = `ninjaone:activity:${activity}`;
        occurredAt = isoUtcSeconds(e.at);
        break;
      case 'windows-update': {
        const record = (records.get(host) ?? 40_000 + (cyrb128(host)[0] % 50_000)) + rng.int(3, 40);
        records.set(host, record);
        sourceEventId = `${host}:${record}`;
        occurredAt = new Date(e.at).toISOString();
        break;
      }
      case 'apt-history': {
        occurredAt = isoWithOffset(spec.timeZone, e.at);
        const local = occurredAt.slice(0, 19).replace('T', '  ');
        sourceEventId = `${host}:apt:${local}:${e.aptAction ?? 'upgrade'}:${aptPackageOf(e)}`;
        break;
      }
    }
    return { ...e.draft, occurredAt, source: e.source, sourceEventId };
  });
}

function aptPackageOf(e: Pending): string {
  return `${e.draft.patch.id.split('@')[0]}:amd64`;
}

/** The six full UTC months before `now`, oldest first. */
function monthsBefore(now: number): { year: number; month: number }[] {
  const d = new Date(now);
  const out: { year: number; month: number }[] = [];
  for (let i = MONTHS_SHOWN; i >= 1; i--) {
    const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    out.push({ year: first.getUTCFullYear(), month: first.getUTCMonth() + 1 });
  }
  return out;
}

/**
 * The demo: Harbor IT Services and its three clients, with every event of the six full months before `now`.
 * Same `now` (to the month) and `seed`, same output.
 */
export function buildDemoScenario(now: number, seed = 'patchproof-demo'): DemoScenario {
  if (!Number.isFinite(now)) throw new Error('now must be epoch milliseconds');
  const months = monthsBefore(now);
  const current = new Date(now);
  const windowEnd = Date.UTC(current.getUTCFullYear(), current.getUTCMonth(), 1);
  return {
    tenant: { name: 'Harbor IT Services', timeZone: 'America/New_York' },
    clients: CLIENTS.map((spec) => buildClient(spec, months, windowEnd, seed)),
    months: months.map(({ year, month }) => monthKey(year, month)),
  };
}
