/**
 * The tables a pack ships as CSV and as XLSX sheets, defined once: each column says what kind of value it holds so
 * the CSV writes text (ISO 8601 UTC instants) and the XLSX writes typed cells (dates, day counts, percentages) of
 * the same facts.
 */
import { clockStart } from '../metrics/sla-policy.js';
import type { Finding, TestResult } from '../controls/control.types.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { SlaBreach } from '../metrics/metrics-report.js';
import type { RemediationCase } from '../metrics/remediation-case.js';
import type { ChangeRow, EvidencePackContent, ExceptionRow, SampledChange } from './pack-content.js';

/**
 * `instant`: epoch ms, shown as a UTC date-time. `days`: a duration in (fractional) days. `percent`: a share 0..1.
 * `flag`: yes/no; `null` is unknown (shown empty, never as "no").
 */
export type CellKind = 'text' | 'instant' | 'days' | 'integer' | 'number' | 'percent' | 'flag';
export type CellValue = string | number | boolean | null | undefined;

export interface Column<R> {
  header: string;
  kind: CellKind;
  /** Spreadsheet column width in characters. */
  width?: number;
  value: (row: R) => CellValue;
}

export interface Table<R> {
  columns: Column<R>[];
  rows: Iterable<R>;
  /** Rows an auditor must look at (past due, not satisfied): highlighted in the XLSX. */
  highlight?: (row: R) => boolean;
}

const DAY_MS = 86_400_000;

/** Asset id → hostname, from the cases (the event stream names assets only by id). */
export function hostnamesByAsset(content: EvidencePackContent): Map<string, string> {
  return new Map(content.cases.map((c) => [c.assetId, c.hostname]));
}

// ------------------------------------------------------------------------------------------------ cases (asset × CVE)

export interface CaseCveRow {
  case: RemediationCase;
  cveId: string | undefined;
  breach: SlaBreach | undefined;
}

/** One row per asset × CVE (a case without CVE ids still gets one row): the unit auditors and scanners count. */
export function caseCveRows(content: EvidencePackContent): CaseCveRow[] {
  const breaches = new Map(content.metrics.breaches.map((breach) => [breach.caseKey, breach]));
  return content.cases.flatMap((c) => {
    const cves = c.cveIds.length > 0 ? c.cveIds : [undefined];
    return cves.map((cveId) => ({ case: c, cveId, breach: breaches.get(c.key) }));
  });
}

export function caseColumns(content: EvidencePackContent): Column<CaseCveRow>[] {
  const { clock } = content.policy;
  const start = (row: CaseCveRow) => clockStart(row.case, clock);
  return [
    { header: 'Case', kind: 'text', width: 26, value: (r) => r.case.key },
    { header: 'Asset id', kind: 'text', width: 18, value: (r) => r.case.assetId },
    { header: 'Hostname', kind: 'text', width: 18, value: (r) => r.case.hostname },
    { header: 'Patch', kind: 'text', width: 24, value: (r) => r.case.patchId },
    { header: 'Patch title', kind: 'text', width: 40, value: (r) => r.case.patchTitle },
    { header: 'CVE', kind: 'text', width: 16, value: (r) => r.cveId },
    { header: 'Severity', kind: 'text', width: 10, value: (r) => r.case.severity.severity },
    { header: 'Severity basis', kind: 'text', width: 40, value: (r) => r.case.severity.detail },
    { header: 'KEV', kind: 'flag', width: 6, value: (r) => r.case.kev },
    { header: 'State', kind: 'text', width: 12, value: (r) => r.case.state },
    { header: 'Released (UTC)', kind: 'instant', value: (r) => r.case.releasedAt },
    { header: 'Published (UTC)', kind: 'instant', value: (r) => r.case.publishedAt },
    { header: 'Detected (UTC)', kind: 'instant', value: (r) => r.case.detectedAt },
    { header: 'KEV due (UTC)', kind: 'instant', value: (r) => r.case.kevDueAt },
    { header: 'Approved (UTC)', kind: 'instant', value: (r) => r.case.approvedAt },
    { header: 'Approver', kind: 'text', width: 18, value: (r) => r.case.approver },
    { header: 'Backup verified (UTC)', kind: 'instant', value: (r) => r.case.backupVerifiedAt },
    { header: 'First deployed (UTC)', kind: 'instant', value: (r) => r.case.firstDeployedAt },
    { header: 'Remediated (UTC)', kind: 'instant', value: (r) => r.case.remediatedAt },
    { header: 'Verified (UTC)', kind: 'instant', value: (r) => r.case.verifiedAt },
    {
      header: `Days ${clock} to remediation`,
      kind: 'days',
      width: 14,
      value: (r) => {
        const from = start(r);
        return from !== undefined && r.case.remediatedAt !== undefined
          ? (r.case.remediatedAt - from) / DAY_MS
          : undefined;
      },
    },
    {
      header: `Open days since ${clock} at as-of`,
      kind: 'days',
      width: 14,
      value: (r) => {
        const from = start(r);
        return from !== undefined && r.case.remediatedAt === undefined
          ? (content.asOf - from) / DAY_MS
          : undefined;
      },
    },
    { header: 'Deploy attempts', kind: 'integer', value: (r) => r.case.attempts.length },
    {
      header: 'Failed attempts',
      kind: 'integer',
      value: (r) => r.case.attempts.filter((attempt) => attempt.outcome === 'failed').length,
    },
    { header: 'Rollbacks', kind: 'integer', value: (r) => r.case.rollbacks.length },
    { header: 'Exception owner', kind: 'text', width: 18, value: (r) => r.case.exception?.owner },
    {
      header: 'Exception expires (UTC)',
      kind: 'instant',
      value: (r) => (r.case.exception ? Date.parse(r.case.exception.expiresAt) : undefined),
    },
    { header: 'Past due', kind: 'flag', width: 8, value: (r) => r.breach !== undefined },
    { header: 'Breach due (UTC)', kind: 'instant', value: (r) => r.breach?.dueAt },
    { header: 'Days late', kind: 'days', value: (r) => r.breach?.daysLate },
    { header: 'Deadline basis', kind: 'text', width: 36, value: (r) => r.breach?.deadlineBasis },
    { header: 'Events', kind: 'integer', value: (r) => r.case.eventCount ?? r.case.eventIds.length },
  ];
}

export function casesTable(content: EvidencePackContent): Table<CaseCveRow> {
  return {
    columns: caseColumns(content),
    rows: caseCveRows(content),
    highlight: (row) => row.breach !== undefined,
  };
}

// ------------------------------------------------------------------------------------------------ events

export function eventColumns(hostnames: ReadonlyMap<string, string>): Column<LedgerEvent>[] {
  return [
    { header: 'Seq', kind: 'integer', width: 10, value: (e) => e.seq },
    { header: 'Event id', kind: 'text', width: 38, value: (e) => e.id },
    { header: 'Occurred (UTC)', kind: 'instant', value: (e) => e.occurredAt },
    { header: 'Received (UTC)', kind: 'instant', value: (e) => e.receivedAt },
    { header: 'Kind', kind: 'text', width: 18, value: (e) => e.kind },
    { header: 'Client id', kind: 'text', width: 18, value: (e) => e.clientId },
    { header: 'Asset id', kind: 'text', width: 18, value: (e) => e.assetId },
    { header: 'Hostname', kind: 'text', width: 18, value: (e) => hostnames.get(e.assetId) },
    { header: 'Patch', kind: 'text', width: 24, value: (e) => e.patchId },
    { header: 'Patch title', kind: 'text', width: 36, value: (e) => e.patchTitle },
    { header: 'Patch released (UTC)', kind: 'instant', value: (e) => e.patchReleasedAt },
    { header: 'CVEs', kind: 'text', width: 24, value: (e) => e.cveIds.join(' ') },
    { header: 'Vendor severity', kind: 'text', width: 10, value: (e) => e.vendorSeverity },
    { header: 'Actor', kind: 'text', width: 18, value: (e) => e.actor },
    { header: 'Change ticket', kind: 'text', width: 14, value: (e) => e.changeTicket },
    { header: 'Error code', kind: 'text', width: 14, value: (e) => e.errorCode },
    { header: 'Ring', kind: 'text', width: 10, value: (e) => e.ring },
    { header: 'Emergency', kind: 'flag', width: 8, value: (e) => e.emergency ?? null },
    { header: 'Superseded by', kind: 'text', width: 18, value: (e) => e.supersededBy },
    { header: 'Exception reason', kind: 'text', width: 30, value: (e) => e.exception?.reason },
    { header: 'Exception expires (UTC)', kind: 'instant', value: (e) => instantOf(e.exception?.expiresAt) },
    { header: 'Source', kind: 'text', width: 14, value: (e) => e.source },
    { header: 'Source event id', kind: 'text', width: 20, value: (e) => e.sourceEventId },
    { header: 'Ledger hash', kind: 'text', width: 20, value: (e) => e.hash },
  ];
}

// ------------------------------------------------------------------------------------------------ controls and findings

export interface ControlResultRow {
  framework: string;
  controlId: string;
  title: string;
  citation: string;
  controlStatus: string;
  result: TestResult;
}

export function controlsTable(content: EvidencePackContent): Table<ControlResultRow> {
  const rows = content.controls.flatMap((control) =>
    control.results.map((result) => ({
      framework: control.framework,
      controlId: control.controlId,
      title: control.title,
      citation: control.citation,
      controlStatus: control.status,
      result,
    })),
  );
  return {
    rows,
    highlight: (row) => row.result.status === 'not_satisfied',
    columns: [
      { header: 'Framework', kind: 'text', width: 10, value: (r) => r.framework },
      { header: 'Control', kind: 'text', width: 18, value: (r) => r.controlId },
      { header: 'Title', kind: 'text', width: 36, value: (r) => r.title },
      { header: 'Citation', kind: 'text', width: 26, value: (r) => r.citation },
      { header: 'Control status', kind: 'text', width: 20, value: (r) => r.controlStatus },
      { header: 'Test', kind: 'text', width: 26, value: (r) => r.result.test },
      { header: 'Mapping', kind: 'text', width: 12, value: (r) => r.result.strength },
      { header: 'Test status', kind: 'text', width: 20, value: (r) => r.result.status },
      { header: 'What was tested', kind: 'text', width: 60, value: (r) => r.result.description },
      {
        header: 'Figures',
        kind: 'text',
        width: 40,
        value: (r) =>
          Object.entries(r.result.figures)
            .map(([name, figure]) => `${name}: ${figure ?? 'n/a'}`)
            .join('; '),
      },
      { header: 'Findings', kind: 'integer', value: (r) => r.result.findings.length },
      { header: 'Evidence cases', kind: 'integer', value: (r) => r.result.caseKeys.length },
      { header: 'Evidence events', kind: 'integer', value: (r) => r.result.eventIds.length },
    ],
  };
}

export interface FindingRow extends ControlResultRow {
  finding: Finding;
  case: RemediationCase | undefined;
}

export function findingsTable(content: EvidencePackContent): Table<FindingRow> {
  const cases = new Map(content.cases.map((c) => [c.key, c]));
  const rows = controlsTable(content).rows as ControlResultRow[];
  return {
    rows: rows.flatMap((row) =>
      row.result.findings.map((finding) => ({
        ...row,
        finding,
        case: finding.caseKey ? cases.get(finding.caseKey) : undefined,
      })),
    ),
    highlight: (row) => row.result.status === 'not_satisfied',
    columns: [
      { header: 'Framework', kind: 'text', width: 10, value: (r) => r.framework },
      { header: 'Control', kind: 'text', width: 18, value: (r) => r.controlId },
      { header: 'Test', kind: 'text', width: 26, value: (r) => r.result.test },
      { header: 'Test status', kind: 'text', width: 20, value: (r) => r.result.status },
      { header: 'Finding', kind: 'text', width: 70, value: (r) => r.finding.summary },
      { header: 'Case', kind: 'text', width: 26, value: (r) => r.finding.caseKey },
      { header: 'Hostname', kind: 'text', width: 18, value: (r) => r.case?.hostname },
      { header: 'Patch', kind: 'text', width: 24, value: (r) => r.case?.patchId },
      { header: 'Severity', kind: 'text', width: 10, value: (r) => r.case?.severity.severity },
      { header: 'Event ids', kind: 'text', width: 40, value: (r) => r.finding.eventIds?.join(' ') },
    ],
  };
}

// ------------------------------------------------------------------------------------------------ exceptions, changes

export function exceptionsTable(content: EvidencePackContent): Table<ExceptionRow> {
  return {
    rows: content.exceptions,
    highlight: (row) => !row.validAtAsOf,
    columns: [
      { header: 'Hostname', kind: 'text', width: 18, value: (r) => r.hostname },
      { header: 'Patch', kind: 'text', width: 24, value: (r) => r.patchId },
      { header: 'Case', kind: 'text', width: 26, value: (r) => r.caseKey },
      { header: 'Reason', kind: 'text', width: 60, value: (r) => r.reason },
      {
        header: 'Compensating controls',
        kind: 'text',
        width: 60,
        value: (r) => r.compensatingControls.join('; '),
      },
      { header: 'Owner', kind: 'text', width: 18, value: (r) => r.owner },
      { header: 'Approver', kind: 'text', width: 18, value: (r) => r.approver },
      { header: 'Granted (UTC)', kind: 'instant', value: (r) => r.grantedAt },
      { header: 'Expires (UTC)', kind: 'instant', value: (r) => r.expiresAt },
      { header: 'Valid at as-of', kind: 'flag', width: 8, value: (r) => r.validAtAsOf },
      { header: 'Event id', kind: 'text', width: 38, value: (r) => r.eventId },
    ],
  };
}

export function failedChangesTable(content: EvidencePackContent): Table<ChangeRow> {
  return {
    rows: content.failedAndRolledBack,
    columns: [
      { header: 'At (UTC)', kind: 'instant', value: (r) => r.at },
      { header: 'Outcome', kind: 'text', width: 12, value: (r) => r.outcome },
      { header: 'Hostname', kind: 'text', width: 18, value: (r) => r.hostname },
      { header: 'Patch', kind: 'text', width: 24, value: (r) => r.patchId },
      { header: 'Error code', kind: 'text', width: 14, value: (r) => r.errorCode },
      { header: 'Actor', kind: 'text', width: 18, value: (r) => r.actor },
      { header: 'Case', kind: 'text', width: 26, value: (r) => r.caseKey },
      { header: 'Event id', kind: 'text', width: 38, value: (r) => r.eventId },
    ],
  };
}

export function changeSampleTable(content: EvidencePackContent): Table<SampledChange> {
  return {
    rows: content.changeSample.items,
    highlight: (row) => !row.approvedBeforeDeploy || row.segregationOfDuties === false,
    columns: [
      { header: 'Deployed (UTC)', kind: 'instant', value: (r) => r.deployedAt },
      { header: 'Hostname', kind: 'text', width: 18, value: (r) => r.hostname },
      { header: 'Patch', kind: 'text', width: 24, value: (r) => r.patchId },
      { header: 'Ring', kind: 'text', width: 10, value: (r) => r.ring },
      { header: 'Approved before deploy', kind: 'flag', width: 10, value: (r) => r.approvedBeforeDeploy },
      { header: 'Pilot first', kind: 'flag', width: 10, value: (r) => r.testedInPilotFirst },
      { header: 'Segregation of duties', kind: 'flag', width: 10, value: (r) => r.segregationOfDuties },
      { header: 'Back-out evidence', kind: 'flag', width: 10, value: (r) => r.backOutEvidence },
      { header: 'Emergency', kind: 'flag', width: 10, value: (r) => r.emergency },
      { header: 'Case', kind: 'text', width: 26, value: (r) => r.caseKey },
      { header: 'Event id', kind: 'text', width: 38, value: (r) => r.eventId },
    ],
  };
}

function instantOf(rfc3339: string | undefined): number | undefined {
  if (rfc3339 === undefined) return undefined;
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? undefined : ms;
}
