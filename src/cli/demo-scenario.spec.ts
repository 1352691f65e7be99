import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRfc3339, validateEvent } from '../ingestion/event-input.js';
import type { EventDraft, LedgerEvent } from '../ingestion/patch-event.js';
import { DAY_MS, foldAll } from '../metrics/remediation-case.fold.js';
import type { RemediationCase } from '../metrics/remediation-case.js';
import { parseKevCatalog } from '../vulnerabilities/kev.parser.js';
import { mergeFacts } from '../vulnerabilities/merge-facts.js';
import { parseNvd } from '../vulnerabilities/nvd.parser.js';
import { buildDemoScenario, type DemoClient } from './demo-scenario.js';

const NOW = Date.parse('2026-11-26T15:00:00Z');
/** Events stop at the end of the last full month. */
const PERIOD_END = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;

const realdata = (file: string): string => readFileSync(path.resolve('../shared/realdata', file), 'utf8');
const kev = parseKevCatalog(JSON.parse(realdata('kev/known_exploited_vulnerabilities.json')));
const kevById = new Map(kev.entries.map((e) => [e.cveId, e]));
const nvdDir = path.resolve('../shared/realdata/nvd/cves');
const nvd = readdirSync(nvdDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => parseNvd(readFileSync(path.join(nvdDir, f), 'utf8')).facts);
const facts = mergeFacts({ kev: kev.entries, nvd });

const scenario = buildDemoScenario(NOW);
const [northwind, contoso, fabrikam] = scenario.clients;

const instant = (e: EventDraft): number => parseRfc3339(e.occurredAt) as number;

/** The drafts as the ledger would store them (client = client name, asset = hostname), received 5 minutes later. */
function ledger(client: DemoClient): LedgerEvent[] {
  return client.events.map((d, i) => {
    const at = instant(d);
    const released = d.patch.releasedAt;
    return {
      id: `ev-${String(i).padStart(5, '0')}`,
      tenantId: 'harbor',
      clientId: client.name,
      assetId: d.asset.hostname,
      seq: i + 1,
      kind: d.kind,
      occurredAt: at,
      receivedAt: at + 5 * 60_000,
      source: d.source,
      sourceEventId: d.sourceEventId,
      patchId: d.patch.id,
      patchTitle: d.patch.title,
      patchReleasedAt:
        released === undefined
          ? undefined
          : Date.parse(released.length === 10 ? `${released}T00:00:00Z` : released),
      cveIds: d.cveIds ?? [],
      vendorSeverity: d.vendorSeverity,
      actor: d.actor,
      changeTicket: d.changeTicket,
      errorCode: d.errorCode,
      ring: d.ring,
      emergency: d.emergency,
      supersededBy: d.supersededBy,
      exception: d.exception,
      hash: String(i),
    };
  });
}

const fold = (client: DemoClient): RemediationCase[] => foldAll(ledger(client), facts, NOW, new Map());
const cases = new Map(scenario.clients.map((c) => [c.name, fold(c)]));
const casesOf = (client: DemoClient): RemediationCase[] => cases.get(client.name)!;
const name = (c: RemediationCase): string => `${c.hostname} ${c.patchId}`;
const find = (client: DemoClient, hostname: string, patchPrefix = 'KB'): RemediationCase[] =>
  casesOf(client).filter((c) => c.hostname === hostname && c.patchId.startsWith(patchPrefix));

function stateCounts(list: RemediationCase[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of list) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}

/** Critical items closed more than 30 days after release, or open past it at the end of the period. */
function breaches(client: DemoClient): string[] {
  return casesOf(client)
    .filter((c) => c.severity.severity === 'critical' && c.state !== 'excepted' && c.releasedAt !== undefined)
    .filter((c) => (c.closedAt ?? PERIOD_END) - c.releasedAt! > 30 * DAY_MS)
    .map(name);
}

describe('buildDemoScenario', () => {
  it('covers the six full months before now for Harbor IT Services and its three clients', () => {
    expect(scenario.months).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(scenario.tenant).toEqual({ name: 'Harbor IT Services', timeZone: 'America/New_York' });
    expect(scenario.clients.map((c) => [c.name, c.frameworks, c.timeZone, c.assets.length])).toEqual([
      ['Northwind Dental Group', ['hipaa'], 'America/Chicago', 25],
      ['Contoso Pharmacy', ['pci-dss'], 'America/Denver', 30],
      ['Fabrikam Financial', ['sox-itgc'], 'America/New_York', 20],
    ]);
    for (const client of scenario.clients) {
      for (const w of client.maintenanceWindows) expect(w.end > w.start).toBe(true);
    }
  });

  it('is deterministic: same month and seed give the same events; another seed varies timing, not the story', () => {
    expect(buildDemoScenario(NOW)).toEqual(scenario);
    // Any instant in the same month: the period, and so the output, is the same.
    expect(buildDemoScenario(Date.parse('2026-11-01T00:00:00Z'))).toEqual(scenario);
    const other = buildDemoScenario(NOW, 'another-seed');
    expect(other.clients[0].events).not.toEqual(northwind.events);
    for (const [i, client] of other.clients.entries()) {
      const mine = scenario.clients[i];
      expect(stateCounts(fold(client))).toEqual(stateCounts(casesOf(mine)));
    }
  });

  it('tells the same story for any month it runs in (DST changes, February, year ends)', () => {
    for (const now of [Date.parse('2027-03-20T12:00:00Z'), Date.parse('2025-01-05T00:00:00Z')]) {
      const other = buildDemoScenario(now);
      expect(other.months).toHaveLength(6);
      const end = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
      for (const [i, client] of other.clients.entries()) {
        for (const e of client.events) {
          expect(validateEvent(e, now).ok).toBe(true);
          expect(instant(e)).toBeLessThan(end);
        }
        const folded = foldAll(ledger(client), facts, now, new Map());
        expect(stateCounts(folded)).toEqual({
          ...stateCounts(casesOf(scenario.clients[i])),
          remediated: expect.any(Number),
        });
      }
    }
  });

  it('pins the event counts per client, within the demo budget', () => {
    expect(scenario.clients.map((c) => c.events.length)).toEqual([838, 1261, 709]);
    const total = scenario.clients.reduce((n, c) => n + c.events.length, 0);
    expect(total).toBeGreaterThanOrEqual(1500);
    expect(total).toBeLessThanOrEqual(4000);
  });

  it('emits only events ingestion accepts, in order, before the end of the period, with unique source ids', () => {
    const ids = new Set<string>();
    for (const client of scenario.clients) {
      let previous = 0;
      for (const e of client.events) {
        const result = validateEvent(e, NOW);
        expect(result.ok ? 'ok' : `${e.sourceEventId}: ${result.field} ${result.reason}`).toBe('ok');
        expect(instant(e)).toBeLessThan(PERIOD_END);
        expect(instant(e)).toBeGreaterThanOrEqual(previous);
        previous = instant(e);
        ids.add(`${e.source}|${e.sourceEventId}`);
      }
    }
    expect(ids.size).toBe(scenario.clients.reduce((n, c) => n + c.events.length, 0));
  });

  it('writes times as the sources do: UTC for NinjaOne and Windows, host-local offsets for apt history', () => {
    const all = scenario.clients.flatMap((c) => c.events);
    expect(new Set(all.map((e) => e.source))).toEqual(new Set(['ninjaone', 'windows-update', 'apt-history']));
    for (const e of all.filter((x) => x.source !== 'apt-history')) expect(e.occurredAt).toMatch(/Z$/);
    const offsets = (client: DemoClient): Set<string> =>
      new Set(client.events.filter((e) => e.source === 'apt-history').map((e) => e.occurredAt.slice(-6)));
    expect(offsets(northwind)).toEqual(new Set(['-05:00']));
    expect(offsets(contoso)).toEqual(new Set(['-06:00']));
    expect(offsets(fabrikam)).toEqual(new Set(['-04:00']));
  });

  it('folds into remediated, reopened, excepted, superseded and open cases', () => {
    expect(scenario.clients.map((c) => stateCounts(casesOf(c)))).toEqual([
      { remediated: 138, reopened: 1, excepted: 1, superseded_remediated: 1, open: 2 },
      { remediated: 175, reopened: 1, open: 7 },
      { remediated: 116, reopened: 1, open: 4 },
    ]);
    const open = scenario.clients.flatMap((c) =>
      casesOf(c)
        .filter((x) => x.state === 'open')
        .map(name),
    );
    expect(open).toEqual([
      'nwd-img-02 KB5089354',
      'nwd-img-02 KB5091393',
      'cp-pay-db-02 KB5089158',
      'cp-pay-db-02 KB5091197',
      'cp-pilot-web-01 openssl@3.0.13-0ubuntu3.18',
      'cp-siem-01 openssl@3.0.13-0ubuntu3.18',
      'cp-tokenizer-01 openssl@3.0.13-0ubuntu3.18',
      'cp-web-01 openssl@3.0.13-0ubuntu3.18',
      'cp-web-02 openssl@3.0.13-0ubuntu3.18',
      'fab-dc-02 KB5089354',
      'fab-dc-02 KB5091393',
      'fab-etl-01 openssl@3.0.13-0ubuntu3.18',
      'fab-web-01 openssl@3.0.13-0ubuntu3.18',
    ]);
    const detectedOnly = scenario.clients
      .flatMap(casesOf)
      .filter((c) => c.state === 'open' && c.approvedAt === undefined);
    expect(detectedOnly.length).toBe(8);
  });

  it('has about three named SLA breaches per client (critical, over 30 days from release)', () => {
    expect(breaches(northwind)).toEqual([
      'nwd-backup-01 linux-image-5.15.0-174-generic@5.15.0-174.184',
      'nwd-clinic-evanston-01 KB5087122',
      'nwd-ehr-db-01 KB5082998',
      'nwd-img-02 KB5089354',
    ]);
    expect(breaches(contoso)).toEqual([
      'cp-pay-db-02 KB5089158',
      'cp-store-107-srv KB5082998',
      'cp-web-02 sudo@1.9.15p5-3ubuntu5.24.04.1',
    ]);
    expect(breaches(fabrikam)).toEqual([
      'fab-cons-01 KB5087318',
      'fab-dc-02 KB5089354',
      'fab-erp-db-01 KB5085073',
    ]);
    // The late deployments land 35–50 days after release; routine items are done well inside 30 days.
    for (const c of scenario.clients.flatMap(casesOf)) {
      if (c.state !== 'remediated' || c.releasedAt! < Date.parse('2026-01-01')) continue;
      const days = (c.closedAt! - c.releasedAt!) / DAY_MS;
      const late = ['nwd-backup-01', 'nwd-ehr-db-01', 'cp-store-107-srv', 'fab-cons-01', 'fab-erp-db-01'];
      if (late.includes(c.hostname) && days > 30) expect(days).toBeGreaterThanOrEqual(35);
      if (late.includes(c.hostname) && days > 30) expect(days).toBeLessThanOrEqual(50);
      if (!late.includes(c.hostname)) expect(days).toBeLessThan(25);
    }
  });

  it('uses real CVE ids: each is in the KEV catalog or an NVD record, and KEV-listed before the event naming it', () => {
    const nvdIds = new Set(nvd.map((f) => f.cveId));
    const used = new Set<string>();
    for (const e of scenario.clients.flatMap((c) => c.events)) {
      for (const cve of e.cveIds ?? []) {
        used.add(cve);
        expect(kevById.has(cve) || nvdIds.has(cve)).toBe(true);
        const entry = kevById.get(cve);
        if (entry !== undefined) expect(entry.dateAdded <= e.occurredAt.slice(0, 10)).toBe(true);
      }
    }
    expect([...used].sort()).toEqual([
      'CVE-2021-34527',
      'CVE-2023-0386',
      'CVE-2024-1086',
      'CVE-2025-32463',
      'CVE-2026-56155',
      'CVE-2026-68820',
    ]);
    // A month's zero-day is fixed before its KEV due date, except on the servers whose story is lateness.
    const missedKev = scenario.clients
      .flatMap(casesOf)
      .filter((c) => c.kevDueAt !== undefined && c.state !== 'excepted' && (c.closedAt ?? NOW) > c.kevDueAt)
      .map(name);
    expect(missedKev).toEqual([
      'nwd-backup-01 linux-image-5.15.0-174-generic@5.15.0-174.184',
      'nwd-clinic-evanston-01 KB5087122',
      'cp-web-02 sudo@1.9.15p5-3ubuntu5.24.04.1',
      'fab-cons-01 KB5087318',
      'fab-erp-db-01 KB5085073',
      // Knock-on: the next update waited for the late one on the same server (one change at a time).
      'fab-erp-db-01 KB5087122',
    ]);
  });

  it('releases Windows cumulative updates on Patch Tuesday with per-month KB numbers, detected 1–3 days later', () => {
    const cu = scenario.clients.flatMap(casesOf).filter((c) => c.patchTitle?.includes('Cumulative Update'));
    const byMonth = new Map<string, Set<string>>();
    for (const c of cu) {
      expect(c.patchTitle).toMatch(
        /^\d{4}-\d{2} Cumulative Update for Windows Server (2019|2022|2025) for x64-based Systems \(KB50\d{5}\)$/,
      );
      expect(c.patchTitle).toContain(`(${c.patchId})`);
      const released = new Date(c.releasedAt!);
      expect(released.getUTCDay()).toBe(2);
      expect(Math.ceil(released.getUTCDate() / 7)).toBe(2);
      const lag = (c.detectedAt! - c.releasedAt!) / DAY_MS;
      expect(lag).toBeGreaterThanOrEqual(1);
      expect(lag).toBeLessThanOrEqual(4);
      const month = c.patchTitle!.slice(0, 7);
      byMonth.set(month, (byMonth.get(month) ?? new Set()).add(c.patchId));
    }
    // One KB per Windows Server version per month, shared by every client.
    expect([...byMonth.keys()].sort()).toEqual(scenario.months);
    for (const kbs of byMonth.values()) expect(kbs.size).toBe(3);
    expect(new Set([...byMonth.values()].flatMap((s) => [...s])).size).toBe(18);
  });

  it('keeps the legacy PACS server under a valid, documented risk acceptance for PrintNightmare', () => {
    const pacs = northwind.assets.find((a) => a.hostname === 'legacy-pacs-01')!;
    expect(pacs).toMatchObject({
      legacy: true,
      os: 'Windows Server 2012 R2 Standard',
      criticality: 'critical',
    });
    const [item] = find(northwind, 'legacy-pacs-01');
    expect(item).toMatchObject({ patchId: 'KB5004954', cveIds: ['CVE-2021-34527'], state: 'excepted' });
    const ex = item.exception!;
    expect(Date.parse(ex.expiresAt)).toBeGreaterThan(NOW);
    expect(ex.owner).not.toBe(ex.approver);
    expect(ex.compensatingControls.join(' ')).toMatch(/VLAN/);
    expect(ex.compensatingControls.join(' ')).toMatch(/No internet egress/);
    expect(scenario.clients.flatMap(casesOf).filter((c) => c.state === 'excepted')).toHaveLength(1);
  });

  it('has two rollbacks per client: one reinstalled days later, one still reopened at the end', () => {
    const rolledBack = (client: DemoClient): [string, string][] =>
      casesOf(client)
        .filter((c) => c.rollbacks.length > 0)
        .map((c) => [name(c), c.state]);
    expect(rolledBack(northwind)).toEqual([
      ['nwd-ehr-app-01 KB5085073', 'remediated'],
      ['nwd-rds-02 KB5091393', 'reopened'],
    ]);
    expect(rolledBack(contoso)).toEqual([
      ['cp-pos-gw-01 KB5083194', 'remediated'],
      ['cp-rx-app-02 KB5091393', 'reopened'],
    ]);
    expect(rolledBack(fabrikam)).toEqual([
      ['fab-etl-01 openssl@3.0.13-0ubuntu3.14', 'remediated'],
      ['fab-rds-01 KB5091393', 'reopened'],
    ]);
    for (const a of scenario.clients.flatMap(casesOf).flatMap((c) => c.attempts)) {
      if (a.rolledBackAt !== undefined) expect(a.verifiedAt).toBeLessThan(a.rolledBackAt);
    }
    for (const c of scenario.clients
      .flatMap(casesOf)
      .filter((x) => x.state === 'remediated' && x.rollbacks.length)) {
      expect(c.remediatedAt! - c.rollbacks[0]).toBeGreaterThan(4 * DAY_MS);
    }
    const rollbackSources = scenario.clients
      .flatMap((c) => c.events)
      .filter((e) => e.kind === 'rolled_back')
      .map((e) => e.source);
    expect(rollbackSources.filter((s) => s === 'apt-history')).toHaveLength(1);
    expect(rollbackSources.filter((s) => s === 'windows-update')).toHaveLength(5);
  });

  it('supersedes the update a clinic server missed with the next month’s update', () => {
    const [skipped] = find(northwind, 'nwd-clinic-evanston-01').filter(
      (c) => c.state === 'superseded_remediated',
    );
    expect(skipped.attempts).toEqual([]);
    const next = find(northwind, 'nwd-clinic-evanston-01').find((c) => c.patchId === skipped.supersededBy)!;
    expect(next.state).toBe('remediated');
    expect(skipped.supersededAt! - next.remediatedAt!).toBeGreaterThan(0);
    expect(skipped.supersededAt! - next.remediatedAt!).toBeLessThan(HOUR);
  });

  it('records real Windows error codes, and failed installs that succeed on retry', () => {
    const failed = scenario.clients.flatMap((c) => c.events).filter((e) => e.kind === 'failed');
    const codes = new Set(failed.map((e) => e.errorCode));
    expect(codes).toContain('0x80070643');
    expect(codes).toContain('0x800f0922');
    for (const code of codes) expect(code).toMatch(/^0x8[0-9a-fA-F]{7}$/);
    const retried = scenario.clients
      .flatMap(casesOf)
      .filter((c) => c.attempts[0]?.outcome === 'failed' && c.state === 'remediated');
    expect(retried.length).toBeGreaterThanOrEqual(5);
  });

  it('shows change hygiene: approvals before deploys, backups mostly verified, verification mostly within hours', () => {
    const attempts = scenario.clients
      .flatMap(casesOf)
      .flatMap((c) => c.attempts.filter((a) => a.outcome === 'deployed'));
    const withBackup = attempts.filter((a) => a.backupVerifiedAt !== undefined && a.backupVerifiedAt <= a.at);
    expect(withBackup.length / attempts.length).toBeGreaterThan(0.85);
    expect(withBackup.length).toBeLessThan(attempts.length);
    const verifiedSoon = attempts.filter(
      (a) => a.verifiedAt !== undefined && a.verifiedAt - a.at <= 8 * HOUR,
    );
    expect(verifiedSoon.length / attempts.length).toBeGreaterThan(0.75);
    // Harbor's PSA tickets (T<date opened>.<n>) are never dated after the approval citing them.
    for (const e of [northwind, contoso].flatMap((c) => c.events).filter((x) => x.kind === 'approved')) {
      const opened = /^T(\d{4})(\d{2})(\d{2})\.\d{4}$/.exec(e.changeTicket ?? '')!;
      expect(`${opened[1]}-${opened[2]}-${opened[3]}T00:00:00Z` <= e.occurredAt).toBe(true);
    }
    const actors = new Set(scenario.clients.flatMap((c) => c.events.map((e) => e.actor ?? '')));
    expect(actors).toContain('Zoë Ångström');
    expect(actors).toContain('José Núñez');
    // Northwind and Contoso: every deploy approved beforehand, by client staff, not by the engineer deploying.
    for (const client of [northwind, contoso]) {
      for (const c of casesOf(client)) {
        for (const a of c.attempts) {
          expect(a.approvedAt).toBeLessThan(a.startedAt ?? a.at);
          expect(a.approver).not.toBe(a.actor);
        }
      }
    }
  });

  it('deploys to Contoso’s pilot ring 2–4 days before production, inside the maintenance windows', () => {
    const pilots = new Set(contoso.assets.filter((a) => a.ring === 'pilot').map((a) => a.hostname));
    expect(pilots.size).toBe(4);
    expect(
      contoso.assets.filter((a) => a.tags.includes('card-data')).every((a) => a.ring === 'production'),
    ).toBe(true);
    const list = casesOf(contoso);
    const pilotAt = new Map<string, number>();
    for (const c of list.filter((x) => pilots.has(x.hostname) && x.firstDeployedAt !== undefined)) {
      pilotAt.set(c.patchId, Math.min(pilotAt.get(c.patchId) ?? Infinity, c.firstDeployedAt!));
    }
    let gated = 0;
    for (const c of list.filter((x) => !pilots.has(x.hostname) && x.attempts.length > 0)) {
      const pilot = pilotAt.get(c.patchId);
      if (pilot === undefined) continue;
      expect(c.attempts[0].startedAt! - pilot).toBeGreaterThanOrEqual(2 * DAY_MS - HOUR);
      gated++;
    }
    expect(gated).toBeGreaterThan(130);
    // Tue/Thu 20:00–23:59 and Sat 06:00–12:00 in Denver.
    const local = (t: number): Date => new Date(t - (t >= Date.parse('2026-11-01T08:00:00Z') ? 7 : 6) * HOUR);
    for (const c of list) {
      for (const a of c.attempts) {
        const d = local(a.startedAt!);
        const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
        const inWindow =
          ([2, 4].includes(d.getUTCDay()) && minutes >= 20 * 60) ||
          (d.getUTCDay() === 6 && minutes >= 6 * 60 && minutes < 12 * 60);
        expect(inWindow ? 'in window' : `${name(c)} ${d.toISOString()}`).toBe('in window');
      }
    }
  });

  it('gives Fabrikam’s SOX sample its exceptions: emergency change, SoD violation, unapproved production change', () => {
    const [adfs] = find(fabrikam, 'fab-adfs-01').filter((c) => c.attempts[0]?.emergency === true);
    expect(adfs.cveIds).toEqual(['CVE-2026-56155']);
    const emergency = adfs.attempts[0];
    expect(emergency.approvedAt).toBeUndefined();
    expect((emergency.retroApprovedAt! - emergency.at) / HOUR).toBeGreaterThanOrEqual(48);
    expect((emergency.retroApprovedAt! - emergency.at) / HOUR).toBeLessThan(50);

    const sod = casesOf(fabrikam).filter((c) =>
      c.attempts.some((a) => a.actor === (a.approver ?? a.retroApprover)),
    );
    expect(sod.map(name)).toEqual(['fab-ca-01 KB5082998']);
    expect(sod[0].approver).toBe('José Núñez');

    const unapproved = casesOf(fabrikam).filter(
      (c) =>
        c.attempts.length > 0 &&
        c.attempts.every((a) => a.approvedAt === undefined && a.retroApprovedAt === undefined),
    );
    expect(unapproved.map(name)).toEqual(['fab-jump-01 KB5087318']);
    expect(fabrikam.assets.find((a) => a.hostname === 'fab-jump-01')!.ring).toBe('production');

    const tickets = new Set(fabrikam.events.filter((e) => e.kind === 'approved').map((e) => e.changeTicket));
    for (const t of tickets) expect(t).toMatch(/^CHG00\d{5}$/);
    expect(tickets.size).toBeGreaterThan(10);
  });

  it('has assets that stop reporting part-way through the period', () => {
    const lastMonth = (client: DemoClient, hostname: string): string =>
      client.events
        .filter((e) => e.asset.hostname === hostname)
        .map((e) => e.occurredAt.slice(0, 7))
        .sort()
        .at(-1)!;
    expect(lastMonth(northwind, 'nwd-clinic-skokie-01')).toBe('2026-08');
    expect(lastMonth(contoso, 'cp-store-109-srv')).toBe('2026-07');
    expect(lastMonth(fabrikam, 'fab-rds-02')).toBe('2026-09');
    const silent = scenario.clients.flatMap((client) =>
      client.assets
        .filter((a) =>
          scenario.months.some(
            (m) => !client.events.some((e) => e.asset.hostname === a.hostname && e.occurredAt.startsWith(m)),
          ),
        )
        .map((a) => a.hostname),
    );
    expect(silent).toEqual(['nwd-clinic-skokie-01', 'cp-store-109-srv', 'fab-rds-02']);
  });
});
