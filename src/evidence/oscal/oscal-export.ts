/**
 * The evidence pack as OSCAL v1.2.1: an assessment-results document (one result for the period, one observation per
 * control test, one finding per control) and a plan of action and milestones (the breaches still open and the
 * risk-accepted exceptions). GRC tools (FedRAMP automation, Trestle, commercial platforms) import these without
 * reading our PDF.
 *
 * Pure and deterministic: built only from EvidencePackContent, times from the content (never a clock), and every
 * UUID derived from SHA-256 of a seed and a path, formatted as an RFC 4122 version-5 UUID because the schema's
 * pattern accepts only versions 4 and 5. Document-level UUIDs are seeded with the pack id (a new pack is a new
 * document); parties and the system id are seeded with the tenant and client ids only, so a GRC tool sees the same
 * MSP, client and system across every month's export, as OSCAL asks ("assigned per-subject").
 *
 * OSCAL text fields have shapes the schema enforces: titles (markup-line) and property values (string) are one line
 * without leading or trailing blanks; tokens (prop names, control ids, target ids) are XML NCNames, which our
 * control ids (`6.3.3`, `164.308(a)(1)(ii)(A)`) are not, so each is mapped to a token and the original id is kept in
 * a property. Descriptions and remarks are Markdown; identifiers go in backticks so `_` or `*` in a package
 * name cannot turn into emphasis.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

import type { ValidateFunction } from 'ajv';

import type {
  ControlEvaluation,
  ControlStatus,
  ControlTestName,
  FrameworkId,
  TestResult,
} from '../../controls/control.types.js';
import { DomainError } from '../../errors.js';
import { compileOscalValidator, precompiledOscalValidators, type OscalKind } from './oscal-validators.js';
import type { SlaBreach } from '../../metrics/metrics-report.js';
import type { RemediationCase } from '../../metrics/remediation-case.js';
import type { EvidencePackContent, ExceptionRow } from '../pack-content.js';

export const OSCAL_VERSION = '1.2.1';
/** Namespace of our own property names, so they never collide with OSCAL's (`ns` must be a URI). */
export const PATCHPROOF_OSCAL_NS = 'urn:patchproof:oscal';
/** Where the two schema copies live (relative to the working directory, like the framework catalogs). */
export const DEFAULT_OSCAL_SCHEMAS_DIR = 'templates/oscal';

export type { OscalKind };

/** A JSON object as written to the export file. */
export type OscalDocument = Record<string, unknown>;

export interface OscalExportOptions {
  /** Seed of the document-level UUIDs; defaults to the pack id. */
  uuidSeed?: string;
}

/** Seed of the UUIDs that must stay the same across packs (parties, system id). */
const STABLE_SEED = 'patchproof/oscal';

const FRAMEWORK_NAMES: Record<FrameworkId, string> = {
  hipaa: 'HIPAA Security Rule',
  'pci-dss': 'PCI DSS',
  'sox-itgc': 'SOX IT general controls',
  'nist-800-53': 'NIST SP 800-53',
  'cis-v8': 'CIS Controls v8',
};

/**
 * How each test reaches its conclusion, in OSCAL's method vocabulary: TEST when the evidence is computed from the
 * event ledger (timestamps compared, chains verified), EXAMINE when records are inspected for completeness.
 */
const TEST_METHOD: Record<ControlTestName, 'TEST' | 'EXAMINE'> = {
  no_overdue_cases: 'TEST',
  approved_before_deploy: 'TEST',
  pilot_before_production: 'TEST',
  inside_maintenance_window: 'TEST',
  backup_before_critical_change: 'TEST',
  post_change_verification: 'TEST',
  segregation_of_duties: 'TEST',
  ledger_verifies: 'TEST',
  asset_coverage: 'TEST',
  rollback_plan_evidence: 'EXAMINE',
  emergency_change_retro_approval: 'TEST',
  exceptions_well_formed: 'EXAMINE',
  severity_ranked: 'EXAMINE',
  ttr_measured: 'TEST',
  legacy_assets_accounted: 'EXAMINE',
};

const STATUS_LABEL: Record<ControlStatus, string> = {
  satisfied: 'Satisfied',
  not_satisfied: 'Not satisfied',
  not_applicable: 'Not applicable',
  insufficient_evidence: 'Insufficient evidence',
};

/**
 * OSCAL knows only satisfied / not-satisfied. Not applicable is recorded as satisfied with reason `other` (nothing in
 * the period could breach it; FedRAMP reads N/A controls the same way); insufficient evidence as not-satisfied with
 * reason `other`, because an attestation must not claim what the evidence does not show. The `status` property
 * keeps our own value and the remarks say why.
 */
const OSCAL_STATE: Record<
  ControlStatus,
  { state: 'satisfied' | 'not-satisfied'; reason: 'pass' | 'fail' | 'other'; remark?: string }
> = {
  satisfied: { state: 'satisfied', reason: 'pass' },
  not_satisfied: { state: 'not-satisfied', reason: 'fail' },
  not_applicable: {
    state: 'satisfied',
    reason: 'other',
    remark:
      'Not applicable in this period: nothing the control covers fell due. OSCAL has no not-applicable state, so the objective is recorded as satisfied with reason `other`; the `status` property keeps `not-applicable`.',
  },
  insufficient_evidence: {
    state: 'not-satisfied',
    reason: 'other',
    remark:
      'Insufficient evidence: the events do not show that the objective is met. Recorded as not-satisfied with reason `other` rather than claimed; the `status` property keeps `insufficient-evidence`.',
  },
};

// ---------------------------------------------------------------- small helpers

/** SHA-256 of seed and path as an RFC 4122 UUID: version nibble 5, variant bits 10 (so `[89ab]`). */
export function oscalUuid(seed: string, ...parts: string[]): string {
  const h = createHash('sha256')
    .update([seed, ...parts].join('\u0000'))
    .digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoDay = (ms: number): string => iso(ms).slice(0, 10);

/** One line, no leading/trailing blanks, never empty: what markup-line and string fields accept. */
function line(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t === '' ? '—' : t;
}

/** Capital first letter and a full stop: our test descriptions are written as lower-case clauses. */
const sentence = (s: string): string => {
  const t = s.trim();
  return t === '' ? t : `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
};

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

function prop(name: string, value: string | number | boolean, own = true): Record<string, string> {
  return own
    ? { name, ns: PATCHPROOF_OSCAL_NS, value: line(String(value)) }
    : { name, value: line(String(value)) };
}

/**
 * A control id as an OSCAL token. NIST 800-53 ids become the catalog's own (`SI-2(3)` → `si-2.3`) so a tool can match
 * them to the NIST catalog; others get their framework as prefix and parentheses as `_` (`164.308(a)(1)` →
 * `hipaa_164.308_a_1`), since a token may not start with a digit nor contain parentheses.
 */
export function controlToken(framework: FrameworkId, controlId: string): string {
  if (framework === 'nist-800-53') {
    return controlId
      .toLowerCase()
      .replace(/\((\d+)\)/g, '.$1')
      .replace(/[^\p{L}\p{N}._-]+/gu, '_');
  }
  const body = controlId
    .replace(/\(([^()]*)\)/g, '_$1')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/_+/g, '_');
  return `${framework}_${body}`;
}

function figuresMarkdown(figures: TestResult['figures']): string {
  const rows = Object.entries(figures).map(([k, v]) => `- ${k}: ${v === null ? 'n/a' : String(v)}`);
  return rows.length > 0 ? `Figures:\n\n${rows.join('\n')}` : '';
}

const paragraphs = (...parts: (string | undefined | false)[]): string =>
  parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join('\n\n');

interface Ids {
  seed: string;
  msp: string;
  client: string;
  pack: string;
}

function ids(content: EvidencePackContent, opts: OscalExportOptions): Ids {
  const seed = opts.uuidSeed ?? content.packId;
  return {
    seed,
    msp: oscalUuid(STABLE_SEED, 'party', content.tenant.id),
    client: oscalUuid(STABLE_SEED, 'party', content.tenant.id, content.client.id),
    pack: oscalUuid(seed, 'resource', 'pack'),
  };
}

function metadata(content: EvidencePackContent, u: Ids, title: string): OscalDocument {
  const g = content.provenance.generator;
  return {
    title: line(title),
    'last-modified': iso(content.generatedAt),
    version: line(content.packId),
    'oscal-version': OSCAL_VERSION,
    props: [prop('pack-id', content.packId), prop('as-of', iso(content.asOf))],
    roles: [
      { id: 'prepared-by', title: 'Prepared by (managed service provider)' },
      { id: 'prepared-for', title: 'Prepared for (client)' },
    ],
    parties: [
      {
        uuid: u.msp,
        type: 'organization',
        name: line(content.tenant.name),
        props: [prop('tenant-id', content.tenant.id)],
      },
      {
        uuid: u.client,
        type: 'organization',
        name: line(content.client.name),
        props: [prop('client-id', content.client.id), prop('time-zone', content.client.timeZone)],
      },
    ],
    'responsible-parties': [
      { 'role-id': 'prepared-by', 'party-uuids': [u.msp] },
      { 'role-id': 'prepared-for', 'party-uuids': [u.client] },
    ],
    remarks: `Generated by ${g.name} ${g.version} from evidence pack ${code(content.packId)}, as of ${iso(content.asOf)}. The signed pack is the authoritative record; this export restates it.`,
  };
}

/** The pack, the catalogs and the SLA policy as back-matter resources the documents point at. */
function backMatter(content: EvidencePackContent, u: Ids): OscalDocument {
  const p = content.provenance;
  const policy = content.policy;
  const packResource = {
    uuid: u.pack,
    title: line(`Evidence pack ${content.packId}`),
    description: paragraphs(
      `Patch remediation evidence for ${content.client.name}, ${content.periodLabel} (${iso(content.period.from)} to ${iso(content.period.to)}, end exclusive), as of ${iso(content.asOf)}, prepared by ${content.tenant.name}.`,
      `Frameworks: ${content.frameworks.map((f) => FRAMEWORK_NAMES[f]).join(', ')}. SLA policy: ${policy.name} v${policy.version} (clock: ${policy.clock}, ${policy.dayKind} days).`,
      `Counts: ${p.counts.events} events, ${p.counts.cases} remediation cases, ${p.counts.assets} assets, ${p.counts.controls} controls, ${p.counts.breaches} SLA breaches, ${p.counts.exceptions} exceptions. Ledger head: seq ${p.ledger.headSeq}, hash ${code(p.ledger.headHash)} (${p.ledger.verified ? 'verified' : 'NOT verified'}).`,
      'No separate OSCAL assessment plan exists: the plan is the pack query (client, period, frameworks, SLA policy) stated here. The pack manifest lists every file with its SHA-256 and is signed; verify it with the MSP public certificate.',
    ),
    props: [
      prop('pack-id', content.packId),
      prop('as-of', iso(content.asOf)),
      prop('period-start', iso(content.period.from)),
      prop('period-end', iso(content.period.to)),
      prop('ledger-head-seq', p.ledger.headSeq),
      prop('ledger-head-sha256', p.ledger.headHash),
    ],
    'document-ids': [{ identifier: line(content.packId) }],
  };
  const catalogResources = content.catalogs.map((c) => ({
    uuid: oscalUuid(u.seed, 'resource', 'catalog', c.framework),
    title: line(`${c.name} ${c.frameworkVersion} (catalog ${c.catalogVersion})`),
    description: `The control catalog the findings were evaluated against. Titles and summaries are in our own words; the requirement text belongs to its publisher.`,
    props: [
      prop('framework', c.framework),
      prop('catalog-version', c.catalogVersion),
      prop('canonical-json-sha256', c.digest),
    ],
  }));
  const policyResource = {
    uuid: oscalUuid(u.seed, 'resource', 'policy'),
    title: line(`SLA policy ${policy.name} v${policy.version}`),
    description: paragraphs(policy.description, `Source: ${policy.source}.`),
    props: [
      prop('policy-key', policy.key),
      prop('policy-version', policy.version),
      prop('clock', policy.clock),
      prop('day-kind', policy.dayKind),
      prop('effective-from', policy.effectiveFrom),
      prop('canonical-json-sha256', policy.digest),
    ],
  };
  return { resources: [packResource, ...catalogResources, policyResource] };
}

/** Evidence entries for a set of cases and events, pointing at the pack resource. */
function relevantEvidence(packUuid: string, caseKeys: string[], eventIds: string[]): OscalDocument[] {
  const out: OscalDocument[] = [];
  if (caseKeys.length > 0) {
    out.push({
      href: `#${packUuid}`,
      description: `Remediation cases (${caseKeys.length}), by case key, in the cases table of the evidence pack: ${caseKeys.map(code).join(', ')}`,
      props: [prop('case-count', caseKeys.length)],
    });
  }
  if (eventIds.length > 0) {
    out.push({
      href: `#${packUuid}`,
      description: `Ledger events (${eventIds.length}), by event id, in the events of the evidence pack: ${eventIds.map(code).join(', ')}`,
      props: [prop('event-count', eventIds.length)],
    });
  }
  return out;
}

// ---------------------------------------------------------------- assessment results

function controlLabel(c: ControlEvaluation): string {
  return `${FRAMEWORK_NAMES[c.framework]} ${c.controlId}`;
}

function observationFor(
  content: EvidencePackContent,
  u: Ids,
  c: ControlEvaluation,
  r: TestResult,
  index: number,
): { uuid: string; doc: OscalDocument } {
  const uuid = oscalUuid(u.seed, 'observation', c.framework, c.controlId, String(index), r.test);
  const violations = r.findings.filter((f) => (f.kind ?? 'violation') === 'violation');
  const findingLines = r.findings.map(
    (f) =>
      `- ${f.kind && f.kind !== 'violation' ? `(${f.kind}) ` : ''}${f.summary}${f.caseKey ? ` (case ${code(f.caseKey)})` : ''}`,
  );
  const evidence = relevantEvidence(u.pack, r.caseKeys, r.eventIds);
  const doc: OscalDocument = {
    uuid,
    title: line(`${controlLabel(c)}: ${r.test.replace(/_/g, ' ')}`),
    description: paragraphs(
      sentence(r.description),
      `Result: ${STATUS_LABEL[r.status]}. Mapping strength: ${r.strength}.`,
      figuresMarkdown(r.figures),
    ),
    props: [
      prop('control-id', c.controlId),
      prop('framework', c.framework),
      prop('test', r.test),
      prop('mapping-strength', r.strength),
      prop('status', r.status.replace(/_/g, '-')),
    ],
    methods: [TEST_METHOD[r.test]],
    types: [violations.length > 0 ? 'finding' : 'control-objective'],
    collected: iso(content.asOf),
  };
  if (evidence.length > 0) doc['relevant-evidence'] = evidence;
  if (findingLines.length > 0) doc.remarks = `Findings (${r.findings.length}):\n\n${findingLines.join('\n')}`;
  return { uuid, doc };
}

function findingFor(u: Ids, c: ControlEvaluation, observationUuids: string[]): OscalDocument {
  const token = controlToken(c.framework, c.controlId);
  const mapped = OSCAL_STATE[c.status];
  const violations = c.results.flatMap((r) =>
    r.findings.filter((f) => (f.kind ?? 'violation') === 'violation'),
  );
  const resultLines = c.results.map(
    (r) =>
      `- ${r.test.replace(/_/g, ' ')} (${r.strength}): ${STATUS_LABEL[r.status]}. ${sentence(r.description)}`,
  );
  const status: OscalDocument = { state: mapped.state, reason: mapped.reason };
  if (mapped.remark) status.remarks = mapped.remark;
  const doc: OscalDocument = {
    uuid: oscalUuid(u.seed, 'finding', c.framework, c.controlId),
    title: line(`${c.citation}: ${c.title}`),
    description: paragraphs(
      `${controlLabel(c)} (${c.title}) evaluated with ${c.results.length} test${c.results.length === 1 ? '' : 's'}: ${STATUS_LABEL[c.status]}.`,
      resultLines.join('\n'),
    ),
    props: [
      prop('control-id', c.controlId),
      prop('framework', c.framework),
      prop('status', c.status.replace(/_/g, '-')),
    ],
    target: {
      type: 'objective-id',
      'target-id': `${token}_obj`,
      title: line(`${c.citation}`),
      status,
    },
    'related-observations': observationUuids.map((o) => ({ 'observation-uuid': o })),
  };
  if (violations.length > 0) {
    doc.remarks = `Counted against the control (${violations.length}):\n\n${violations.map((f) => `- ${f.summary}`).join('\n')}`;
  }
  return doc;
}

function reviewedControls(content: EvidencePackContent): OscalDocument {
  const order = [...content.frameworks, ...content.controls.map((c) => c.framework)];
  const frameworks = [...new Set(order)].filter((f) => content.controls.some((c) => c.framework === f));
  return {
    description: `The controls evaluated in evidence pack ${code(content.packId)}; control ids are mapped to OSCAL tokens and each finding keeps the original id in its \`control-id\` property.`,
    'control-selections': frameworks.map((f) => {
      const catalog = content.catalogs.find((c) => c.framework === f);
      const tokens = [
        ...new Set(
          content.controls
            .filter((c) => c.framework === f)
            .map((c) => controlToken(c.framework, c.controlId)),
        ),
      ];
      return {
        description: catalog
          ? `${catalog.name} ${catalog.frameworkVersion} (catalog ${catalog.catalogVersion})`
          : FRAMEWORK_NAMES[f],
        props: [prop('framework', f)],
        'include-controls': tokens.map((t) => ({ 'control-id': t })),
      };
    }),
  };
}

/** OSCAL v1.2.1 assessment-results for the pack: one result covering the period. */
export function toAssessmentResults(
  content: EvidencePackContent,
  opts: OscalExportOptions = {},
): OscalDocument {
  if (content.controls.length === 0) {
    throw new DomainError(
      'UNPROCESSABLE',
      `pack ${content.packId}: no control was evaluated, so there are no assessment results to export`,
      {
        field: 'controls',
      },
    );
  }
  const u = ids(content, opts);
  const observations: OscalDocument[] = [];
  const findings: OscalDocument[] = [];
  for (const c of content.controls) {
    const obs = c.results.map((r, i) => observationFor(content, u, c, r, i));
    observations.push(...obs.map((o) => o.doc));
    findings.push(
      findingFor(
        u,
        c,
        obs.map((o) => o.uuid),
      ),
    );
  }
  const policy = content.policy;
  const m = content.metrics;
  const result: OscalDocument = {
    uuid: oscalUuid(u.seed, 'result', 'period'),
    title: line(`Patch remediation evidence, ${content.periodLabel}`),
    description: paragraphs(
      `Controls of ${content.frameworks.map((f) => FRAMEWORK_NAMES[f]).join(' and ')} evaluated for ${content.client.name} from the patch and rollback events of the period, judged as of ${iso(content.asOf)} under SLA policy ${policy.name} v${policy.version} (clock: ${policy.clock}).`,
      `${m.casesConsidered} remediation cases; SLA compliance ${m.slaCompliance.numerator} of ${m.slaCompliance.denominator}; ${m.breaches.length} breaches, each listed in the findings.`,
    ),
    start: iso(content.period.from),
    end: iso(content.period.to),
    props: [
      prop('as-of', iso(content.asOf)),
      prop('policy', `${policy.key}@${policy.version}`),
      prop('clock', policy.clock),
      prop('period-label', content.periodLabel),
    ],
    'reviewed-controls': reviewedControls(content),
    observations,
    findings,
    remarks: 'The period end is exclusive: events up to but not including it are in scope.',
  };
  return {
    'assessment-results': {
      uuid: oscalUuid(u.seed, 'assessment-results'),
      metadata: metadata(
        content,
        u,
        `Patch remediation assessment results: ${content.client.name}, ${content.periodLabel}`,
      ),
      'import-ap': {
        href: `#${u.pack}`,
        remarks:
          'There is no separate OSCAL assessment plan: the plan is the evidence pack query, described by the back-matter resource this points at.',
      },
      results: [result],
      'back-matter': backMatter(content, u),
    },
  };
}

// ---------------------------------------------------------------- plan of action and milestones

interface PoamSubject {
  key: string;
  breach?: SlaBreach;
  exception?: ExceptionRow;
  case?: RemediationCase;
}

/**
 * The items still needing action at as-of: every breach still open (a breach whose fix landed late is history, not a
 * plan) and every exception; a case that is both becomes one item. Ordered by due date, then exceptions by expiry.
 */
function poamSubjects(content: EvidencePackContent): PoamSubject[] {
  const byCase = new Map(content.cases.map((c) => [c.key, c]));
  const items = new Map<string, PoamSubject>();
  for (const b of content.metrics.breaches.filter((x) => x.remediatedAt === undefined)) {
    items.set(b.caseKey, { key: b.caseKey, breach: b, case: byCase.get(b.caseKey) });
  }
  const exceptions = [...content.exceptions].sort(
    (a, b) => a.expiresAt - b.expiresAt || a.eventId.localeCompare(b.eventId),
  );
  for (const e of exceptions) {
    const key = e.caseKey ?? `exception:${e.eventId}`;
    const existing = items.get(key);
    if (existing) existing.exception = e;
    else items.set(key, { key, exception: e, case: e.caseKey ? byCase.get(e.caseKey) : undefined });
  }
  return [...items.values()];
}

function subjectName(s: PoamSubject): { host: string; patch?: string } {
  if (s.breach) return { host: s.breach.hostname, patch: s.breach.patchId };
  return { host: s.exception!.hostname, patch: s.exception!.patchId };
}

function caseFacts(c: RemediationCase | undefined): string[] {
  if (!c) return [];
  const attempts = c.attempts.map(
    (a) =>
      `- ${iso(a.at)}: ${a.outcome}${a.errorCode ? ` (${code(a.errorCode)})` : ''}${a.actor ? ` by ${a.actor}` : ''}${a.rolledBackAt !== undefined ? `, rolled back ${iso(a.rolledBackAt)}` : ''}`,
  );
  return [
    `Severity ${c.severity.severity} (${c.severity.detail})${c.kev ? ', on the CISA KEV list' : ''}. CVEs: ${c.cveIds.length > 0 ? c.cveIds.join(', ') : 'none recorded'}.${c.patchTitle ? ` Patch: ${c.patchTitle}.` : ''}`,
    attempts.length > 0 ? `Install attempts:\n\n${attempts.join('\n')}` : 'No install attempt recorded.',
  ];
}

function poamParts(content: EvidencePackContent, u: Ids, s: PoamSubject) {
  const { host, patch } = subjectName(s);
  const what = patch ? `${code(patch)} on ${code(host)}` : code(host);
  const whatPlain = patch ? `${patch} on ${host}` : host;
  const c = s.case;
  const e = s.exception;
  const b = s.breach;
  const exceptionValid = e?.validAtAsOf === true;
  const observationUuid = oscalUuid(u.seed, 'poam', 'observation', s.key);
  const riskUuid = oscalUuid(u.seed, 'poam', 'risk', s.key);
  const itemUuid = oscalUuid(u.seed, 'poam', 'item', s.key);

  const breachText = b
    ? `Due ${iso(b.dueAt)} (${b.deadlineBasis}); still open at as-of ${iso(content.asOf)}, ${b.daysLate} day${b.daysLate === 1 ? '' : 's'} past due.`
    : undefined;
  const exceptionText = e
    ? `Risk accepted ${isoDay(e.grantedAt)} until ${isoDay(e.expiresAt)}${exceptionValid ? '' : ' (expired at as-of: the item is exposed again)'}: ${e.reason} Owner: ${e.owner}; approved by ${e.approver}.`
    : undefined;
  const controlsText =
    e && e.compensatingControls.length > 0
      ? `Compensating controls:\n\n${e.compensatingControls.map((x) => `- ${x}`).join('\n')}`
      : undefined;

  const caseKeys = c ? [c.key] : [];
  const eventIds = [
    ...(c?.eventIds ?? []),
    ...(e && !(c?.eventIds ?? []).includes(e.eventId) ? [e.eventId] : []),
  ];
  const observation: OscalDocument = {
    uuid: observationUuid,
    title: line(b ? `${whatPlain}: open past due` : `${whatPlain}: risk accepted`),
    description: paragraphs(breachText, exceptionText, ...caseFacts(c)),
    props: [
      ...(c ? [prop('case-key', c.key)] : []),
      prop('host', host),
      ...(patch ? [prop('patch-id', patch)] : []),
    ],
    methods: [b ? 'TEST' : 'EXAMINE'],
    types: b ? ['finding'] : ['mitigation'],
    collected: iso(content.asOf),
  };
  const evidence = relevantEvidence(u.pack, caseKeys, eventIds);
  if (evidence.length > 0) observation['relevant-evidence'] = evidence;

  const severity = c?.severity.severity ?? b?.severity;
  const cves = c?.cveIds ?? b?.cveIds ?? [];
  const risk: OscalDocument = {
    uuid: riskUuid,
    title: line(b ? `Unpatched past due: ${whatPlain}` : `Accepted risk: ${whatPlain}`),
    description: paragraphs(
      patch
        ? `${host} lacks ${patch}${cves.length > 0 ? `, which fixes ${cves.join(', ')}` : ''}.`
        : `${host}: ${e?.reason ?? 'exception'}`,
      breachText,
      exceptionText,
    ),
    statement: c?.kev
      ? 'The vulnerability is on the CISA Known Exploited Vulnerabilities list: it is exploited in the wild, and the host stays exposed until the patch is installed.'
      : 'The host stays exposed to the fixed vulnerabilities until the patch is installed' +
        (e ? '; the compensating controls reduce, not remove, the exposure.' : '.'),
    props: [
      ...(severity ? [prop('severity', severity)] : []),
      prop('kev', c?.kev ?? false),
      ...cves.map((id) => prop('cve-id', id)),
    ],
    status: exceptionValid ? 'deviation-approved' : 'open',
    deadline: iso(e && exceptionValid ? e.expiresAt : (b?.dueAt ?? e!.expiresAt)),
    'related-observations': [{ 'observation-uuid': observationUuid }],
  };
  if (e && e.compensatingControls.length > 0) {
    risk['mitigating-factors'] = e.compensatingControls.map((x, i) => ({
      uuid: oscalUuid(u.seed, 'poam', 'mitigation', s.key, String(i)),
      description: x,
    }));
  }
  const remediations: OscalDocument[] = [];
  if (b || (e && !exceptionValid)) {
    remediations.push({
      uuid: oscalUuid(u.seed, 'poam', 'response', s.key, 'mitigate'),
      lifecycle: 'recommendation',
      title: line(patch ? `Install ${patch} on ${host}` : `Remediate ${host}`),
      description:
        'Deploy the patch, verify the service after the change and record the deployment so the next pack closes the item.',
      props: [prop('type', 'mitigate', false)],
    });
  }
  if (e) {
    remediations.push({
      uuid: oscalUuid(u.seed, 'poam', 'response', s.key, 'accept'),
      lifecycle: 'completed',
      title: line(`Risk acceptance until ${isoDay(e.expiresAt)}`),
      description: paragraphs(
        e.reason,
        `Owner: ${e.owner}. Approved by ${e.approver} on ${isoDay(e.grantedAt)}.`,
      ),
      props: [prop('type', 'accept', false)],
    });
  }
  if (remediations.length > 0) risk.remediations = remediations;

  const item: OscalDocument = {
    uuid: itemUuid,
    title: line(b ? `Remediate ${whatPlain} (past due)` : `Risk accepted: ${whatPlain}`),
    description: paragraphs(
      b ? `Open SLA breach: ${what}.` : `Risk-accepted exception: ${what}.`,
      breachText,
      exceptionText,
    ),
    props: [
      prop('item-kind', b && e ? 'sla-breach-with-exception' : b ? 'sla-breach' : 'exception'),
      ...(c ? [prop('case-key', c.key)] : []),
      ...(severity ? [prop('severity', severity)] : []),
    ],
    'related-observations': [{ 'observation-uuid': observationUuid }],
    'related-risks': [{ 'risk-uuid': riskUuid }],
  };
  const remarks = paragraphs(
    controlsText,
    b && e && !exceptionValid ? 'The exception has expired.' : undefined,
  );
  if (remarks) item.remarks = remarks;
  return { observation, risk, item };
}

/**
 * OSCAL v1.2.1 plan of action and milestones: the breaches still open at as-of (status `open`, deadline = the due
 * date that passed) and the risk-accepted exceptions (status `deviation-approved`, deadline = expiry, compensating
 * controls as mitigating factors and in the item's remarks). With nothing open the schema still needs one item:
 * it says so, marked `item-kind: none-open`.
 */
export function toPoam(content: EvidencePackContent, opts: OscalExportOptions = {}): OscalDocument {
  const u = ids(content, opts);
  const parts = poamSubjects(content).map((s) => poamParts(content, u, s));
  const poamItems =
    parts.length > 0
      ? parts.map((p) => p.item)
      : [
          {
            uuid: oscalUuid(u.seed, 'poam', 'item', 'none-open'),
            title: 'No open items',
            description: `As of ${iso(content.asOf)} no SLA breach is open and no exception is recorded for ${content.client.name}.`,
            props: [prop('item-kind', 'none-open')],
          },
        ];
  const doc: OscalDocument = {
    uuid: oscalUuid(u.seed, 'poam'),
    metadata: metadata(
      content,
      u,
      `Plan of action and milestones: ${content.client.name}, as of ${isoDay(content.asOf)}`,
    ),
    'system-id': {
      'identifier-type': 'http://ietf.org/rfc/rfc4122',
      id: oscalUuid(STABLE_SEED, 'system', content.tenant.id, content.client.id),
    },
  };
  if (parts.length > 0) {
    doc.observations = parts.map((p) => p.observation);
    doc.risks = parts.map((p) => p.risk);
  }
  doc['poam-items'] = poamItems;
  doc['back-matter'] = backMatter(content, u);
  return { 'plan-of-action-and-milestones': doc };
}

// ---------------------------------------------------------------- validation

const validators = new Map<string, ValidateFunction>();

function validatorFor(kind: OscalKind, schemasDir: string): ValidateFunction {
  const key = `${path.resolve(schemasDir)}\0${kind}`;
  let v = validators.get(key);
  if (!v) {
    // Built with the service (see oscal-validators) when these are the schemas it was built from; else compiled now.
    const precompiled = precompiledOscalValidators(schemasDir);
    for (const [k, validate] of precompiled ?? [])
      validators.set(`${path.resolve(schemasDir)}\0${k}`, validate);
    v = validators.get(key);
    if (!v) {
      v = compileOscalValidator(schemasDir, kind);
      validators.set(key, v);
    }
  }
  return v;
}

export interface OscalValidation {
  valid: boolean;
  /** `instancePath message`, at most 50. */
  errors: string[];
}

/**
 * Validates a document against the OSCAL v1.2.1 JSON schema of its kind (copies in templates/oscal, so the service
 * does not depend on anything outside the project at run time). Schemas are compiled once per file.
 */
export function validateOscal(
  doc: unknown,
  kind: OscalKind,
  schemasDir: string = DEFAULT_OSCAL_SCHEMAS_DIR,
): OscalValidation {
  const v = validatorFor(kind, schemasDir);
  const valid = v(doc);
  const errors = (v.errors ?? [])
    .slice(0, 50)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
  return { valid, errors };
}
