/**
 * The insurer attestation: a point-in-time answer to what cyber underwriters ask at underwriting and renewal
 * (DOMAIN.md, "Who uses it"): how fast critical and high items are patched (by the policy's clock, and the 45 days
 * from CVE publication one carrier's endorsement counts), known-exploited items open past their CISA due date, time
 * to remediate, backups verified before changes, rollbacks, end-of-life systems and their compensating controls, and
 * open exceptions.
 *
 * A false answer can void a policy, so the figures are conservative and never flattering: items still open past a
 * threshold count as not remediated, risk-accepted items count as open, every rate keeps its fraction, and items
 * the clock cannot be started for are counted and said. Pure: built from EvidencePackContent as of its `asOf`.
 * The words come from templates/reports/attestation.json, which a compliance person reviews; `{placeholders}` are
 * checked when the file is loaded, so a typo stops the service instead of reaching an underwriter.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import type { DurationStats, Rate } from '../../metrics/metrics-report.js';
import type { RemediationCase } from '../../metrics/remediation-case.js';
import { clockStart } from '../../metrics/sla-policy.js';
import type { ClockAnchor } from '../../metrics/sla-policy.types.js';
import type { Severity } from '../../vulnerabilities/vulnerability-facts.js';
import type { EvidencePackContent, ExceptionRow } from '../pack-content.js';

export const DEFAULT_ATTESTATION_WORDING_FILE = 'templates/reports/attestation.json';

export const ATTESTATION_QUESTIONS = [
  'criticalWithin',
  'highWithin',
  'publication45',
  'kevPastDue',
  'timeToRemediate',
  'backupsBeforeChange',
  'rollbacks',
  'legacyAssets',
  'openExceptions',
] as const;
export type AttestationQuestionId = (typeof ATTESTATION_QUESTIONS)[number];

const text = z.string().trim().min(1, 'must not be empty');
const question = z.strictObject({
  label: text,
  answer: text,
  /** Used when there is nothing to count (an empty denominator or an empty list). */
  none: text,
  /** legacyAssets only: the caller did not say which assets are end-of-life. */
  notDeclared: text.optional(),
});

const wordingSchema = z.strictObject({
  title: text,
  subtitle: text,
  intro: text,
  labels: z.strictObject({
    client: text,
    msp: text,
    asOf: text,
    period: text,
    policy: text,
    attestationId: text,
    packId: text,
    question: text,
    answer: text,
    statement: text,
    disclaimer: text,
  }),
  clockLabels: z.strictObject({ release: text, publication: text, detection: text, kev_added: text }),
  questions: z.strictObject(
    Object.fromEntries(ATTESTATION_QUESTIONS.map((q) => [q, question])) as Record<
      AttestationQuestionId,
      typeof question
    >,
  ),
  items: z.strictObject({
    kevPastDue: text,
    riskAccepted: text,
    legacyAsset: text,
    openException: text,
    noControls: text,
    /** Ends a list cut short to keep the PDF on one page. */
    more: text,
  }),
  notes: z.strictObject({ withoutClockStart: z.string().min(1) }),
  statement: text,
  disclaimer: text,
  signature: z.strictObject({ heading: text, fields: z.array(text).min(1).max(6), note: text }),
  footer: text,
});

export type AttestationWording = z.infer<typeof wordingSchema>;

/** Placeholders every template may use. */
const COMMON = [
  'mspName',
  'clientName',
  'asOf',
  'asOfDate',
  'periodLabel',
  'policyName',
  'policyVersion',
  'clock',
  'packId',
  'attestationId',
] as const;

const WITHIN = ['d14', 'd30', 'd45', 'note'];
const QUESTION_VALUES: Record<AttestationQuestionId, string[]> = {
  criticalWithin: WITHIN,
  highWithin: WITHIN,
  publication45: ['rate', 'note'],
  kevPastDue: ['count', 'openKev', 'list'],
  timeToRemediate: ['median', 'p90', 'count', 'criticalMedian', 'criticalP90', 'criticalCount'],
  backupsBeforeChange: ['rate', 'numerator', 'denominator'],
  rollbacks: ['count', 'rate', 'denominator'],
  legacyAssets: ['count', 'list'],
  openExceptions: ['count', 'list'],
};
const ITEM_VALUES: Record<keyof AttestationWording['items'], string[]> = {
  kevPastDue: ['host', 'patch', 'cves', 'due', 'days', 'accepted'],
  riskAccepted: ['until'],
  legacyAsset: ['host', 'os', 'controls', 'openItems', 'accepted'],
  openException: ['host', 'patch', 'until', 'owner', 'approver', 'reason', 'controls'],
  noControls: [],
  more: ['count'],
};

export class AttestationWordingError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ''}${reason}`);
    this.name = 'AttestationWordingError';
  }
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Fills `{name}` placeholders; a placeholder without a value is a bug (the loader checks the names), so it throws. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined)
      throw new Error(`attestation template placeholder {${name}} has no value in: ${template}`);
    return String(v);
  });
}

function checkPlaceholders(file: string, key: string, template: string, allowed: readonly string[]): void {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(m[1])) {
      throw new AttestationWordingError(
        file,
        key,
        `unknown placeholder {${m[1]}}; allowed here: ${allowed.map((a) => `{${a}}`).join(', ')}`,
      );
    }
  }
}

/** Validates the wording (shape and every placeholder name), naming the key at fault. */
export function parseAttestationWording(value: unknown, file = 'attestation.json'): AttestationWording {
  const r = wordingSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const reason =
      issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new AttestationWordingError(file, issue.path.map(String).join('.'), reason);
  }
  const w = r.data;
  for (const key of ['title', 'subtitle', 'intro', 'statement', 'disclaimer', 'footer'] as const) {
    checkPlaceholders(file, key, w[key], COMMON);
  }
  for (const [k, v] of Object.entries(w.labels)) checkPlaceholders(file, `labels.${k}`, v, COMMON);
  for (const [k, v] of Object.entries(w.signature)) {
    for (const t of Array.isArray(v) ? v : [v]) checkPlaceholders(file, `signature.${k}`, t, COMMON);
  }
  for (const q of ATTESTATION_QUESTIONS) {
    const qw = w.questions[q];
    checkPlaceholders(file, `questions.${q}.label`, qw.label, COMMON);
    for (const k of ['answer', 'none', 'notDeclared'] as const) {
      const t = qw[k];
      if (t !== undefined)
        checkPlaceholders(file, `questions.${q}.${k}`, t, [...COMMON, ...QUESTION_VALUES[q]]);
    }
  }
  for (const [k, v] of Object.entries(w.items)) {
    checkPlaceholders(file, `items.${k}`, v, ITEM_VALUES[k as keyof AttestationWording['items']]);
  }
  checkPlaceholders(file, 'notes.withoutClockStart', w.notes.withoutClockStart, ['count', 'clock']);
  return w;
}

/** Reads and validates the wording file (normally templates/reports/attestation.json). */
export function loadAttestationWording(
  file: string = path.resolve(DEFAULT_ATTESTATION_WORDING_FILE),
): AttestationWording {
  const name = path.basename(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AttestationWordingError(name, '', `cannot read JSON at ${file} (${(err as Error).message})`);
  }
  return parseAttestationWording(raw, name);
}

// ---------------------------------------------------------------- the attestation

export interface LegacyAssetInput {
  hostname: string;
  /** e.g. `Windows Server 2008 R2`. */
  os?: string;
  /** Controls that isolate the asset, as the inventory records them (exceptions on the host add theirs). */
  compensatingControls: string[];
}

export interface BuildAttestationOptions {
  wording: AttestationWording;
  /**
   * End-of-life assets of the client. Undefined: the inventory does not say, and the answer says so rather than
   * "none" (an insurer reads "none" as a statement).
   */
  legacyAssets?: LegacyAssetInput[];
}

export interface WithinDays {
  d14: Rate;
  d30: Rate;
  d45: Rate;
  /** Items of this severity without the clock's start date: left out of the rates. */
  withoutClockStart: number;
}

export interface KevPastDueItem {
  caseKey: string;
  hostname: string;
  patchId: string;
  cveIds: string[];
  /** The CISA catalog dueDate (epoch ms of that UTC day). */
  kevDueAt: number;
  /** Whole days after the end of the due date, rounded up. */
  daysPastDue: number;
  /** Set when a valid exception covers the item: it is still exposed and still listed. */
  riskAcceptedUntil?: number;
}

export interface LegacyAssetAnswer {
  hostname: string;
  os?: string;
  compensatingControls: string[];
  /** Cases on the asset not remediated at as-of (risk-accepted ones included). */
  openItems: number;
  /** Latest expiry of the valid exceptions on the asset. */
  riskAcceptedUntil?: number;
}

/** An exception valid at as-of, as the pack's register lists it. */
export type OpenExceptionAnswer = Pick<
  ExceptionRow,
  'caseKey' | 'hostname' | 'patchId' | 'reason' | 'compensatingControls' | 'owner' | 'approver' | 'expiresAt'
>;

export interface AttestationAnswer {
  id: AttestationQuestionId;
  label: string;
  answer: string;
}

export interface InsurerAttestation {
  /** Content-addressed: the same pack, instant and answers give the same id. */
  attestationId: string;
  asOf: number;
  packId: string;
  client: { id: string; name: string };
  msp: { id: string; name: string };
  period: { from: number; to: number; label: string };
  policy: { key: string; name: string; version: number; clock: ClockAnchor; dayKind: string };
  /** Critical and high items remediated within 14/30/45 days of the policy's clock start. */
  remediatedWithin: { clock: ClockAnchor; critical: WithinDays; high: WithinDays };
  /** Critical and high items remediated within 45 days of CVE publication (the carrier endorsement's clock). */
  publication45: { criticalAndHigh: Rate; withoutPublicationDate: number };
  kev: { open: number; openPastDue: KevPastDueItem[] };
  /** From the pack's metrics (the policy's clock). */
  timeToRemediate: { clock: ClockAnchor; all: DurationStats; critical: DurationStats; high: DurationStats };
  backupsVerifiedBeforeChange: Rate;
  rollbacks: { count: number; rate: Rate };
  /** null: the caller did not say which assets are end-of-life. */
  legacyAssets: LegacyAssetAnswer[] | null;
  openExceptions: OpenExceptionAnswer[];
  answers: AttestationAnswer[];
  statement: string;
}

const DAY_MS = 86_400_000;

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoMinuteUtc = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const endOfUtcDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS - 1;

function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}

export function percentText(r: Rate): string {
  return r.value === null ? 'n/a' : `${(r.value * 100).toFixed(1)}%`;
}

/** `86.4% (19 of 22)`. */
export function rateText(r: Rate): string {
  return `${percentText(r)} (${r.numerator} of ${r.denominator})`;
}

const daysText = (d: number | null): string => (d === null ? 'n/a' : `${d.toFixed(1)} days`);

/** The closure in force at `asOf`: the deploy that stuck or the supersession; undefined while open. */
function closedAt(c: RemediationCase, asOf: number): number | undefined {
  const t =
    c.closedAt ?? c.remediatedAt ?? (c.state === 'superseded_remediated' ? c.supersededAt : undefined);
  return t !== undefined && t <= asOf ? t : undefined;
}

/**
 * Share remediated within `days` of `start`, as of `asOf`. Numerator: closed with TTR ≤ days. Denominator: the
 * closed items plus the open ones already older than `days` (surely missed). Open items younger than the threshold
 * are not decided yet and are left out, so an open item lowers the rate once its time is up instead of vanishing.
 */
function withinDays(
  cases: RemediationCase[],
  start: (c: RemediationCase) => number | undefined,
  days: number,
  asOf: number,
): { rate: Rate; withoutStart: number } {
  let num = 0;
  let den = 0;
  let withoutStart = 0;
  const limit = days * DAY_MS;
  for (const c of cases) {
    const s = start(c);
    if (s === undefined) {
      withoutStart++;
      continue;
    }
    if (s > asOf) continue;
    const closed = closedAt(c, asOf);
    if (closed !== undefined) {
      den++;
      if (Math.max(0, closed - s) <= limit) num++;
    } else if (asOf - s > limit) {
      den++;
    }
  }
  return { rate: rate(num, den), withoutStart };
}

function withinFigures(cases: RemediationCase[], clock: ClockAnchor, asOf: number): WithinDays {
  const start = (c: RemediationCase): number | undefined => clockStart(c, clock);
  const d14 = withinDays(cases, start, 14, asOf);
  return {
    d14: d14.rate,
    d30: withinDays(cases, start, 30, asOf).rate,
    d45: withinDays(cases, start, 45, asOf).rate,
    withoutClockStart: d14.withoutStart,
  };
}

const bySeverity = (cases: RemediationCase[], ...sev: Severity[]): RemediationCase[] =>
  cases.filter((c) => sev.includes(c.severity.severity));

function legacyAnswers(content: EvidencePackContent, input: LegacyAssetInput[]): LegacyAssetAnswer[] {
  return input.map((a) => {
    const exceptions = content.exceptions.filter((e) => e.hostname === a.hostname);
    const valid = exceptions.filter((e) => e.validAtAsOf);
    const controls = [
      ...new Set([...a.compensatingControls, ...exceptions.flatMap((e) => e.compensatingControls)]),
    ];
    const open = content.cases.filter(
      (c) => c.hostname === a.hostname && closedAt(c, content.asOf) === undefined,
    );
    const out: LegacyAssetAnswer = {
      hostname: a.hostname,
      compensatingControls: controls,
      openItems: open.length,
    };
    if (a.os !== undefined) out.os = a.os;
    if (valid.length > 0) out.riskAcceptedUntil = Math.max(...valid.map((e) => e.expiresAt));
    return out;
  });
}

/** The values every wording template may use. */
export function commonPlaceholders(
  att: InsurerAttestation,
  wording: AttestationWording,
): Record<(typeof COMMON)[number], string> {
  return {
    mspName: att.msp.name,
    clientName: att.client.name,
    asOf: isoMinuteUtc(att.asOf),
    asOfDate: isoDate(att.asOf),
    periodLabel: att.period.label,
    policyName: att.policy.name,
    policyVersion: String(att.policy.version),
    clock: wording.clockLabels[att.policy.clock],
    packId: att.packId,
    attestationId: att.attestationId,
  };
}

type Figures = Omit<InsurerAttestation, 'attestationId' | 'answers' | 'statement'>;

function answerTexts(
  f: Figures,
  wording: AttestationWording,
  common: Record<string, string>,
): AttestationAnswer[] {
  const q = wording.questions;
  const it = wording.items;
  const fill = (
    id: AttestationQuestionId,
    key: 'answer' | 'none' | 'notDeclared',
    values: Record<string, string | number>,
  ): string => fillTemplate(q[id][key] ?? q[id].none, { ...common, ...values });
  const accepted = (until: number | undefined): string =>
    until === undefined ? '' : fillTemplate(it.riskAccepted, { until: isoDate(until) });
  const controls = (list: string[]): string => (list.length > 0 ? list.join('; ') : it.noControls);
  const note = (n: number, clock = common.clock): string =>
    n > 0 ? fillTemplate(wording.notes.withoutClockStart, { count: n, clock }) : '';

  const within = (id: 'criticalWithin' | 'highWithin', w: WithinDays): string =>
    w.d14.denominator + w.d30.denominator + w.d45.denominator === 0 && w.withoutClockStart === 0
      ? fill(id, 'none', {})
      : fill(id, 'answer', {
          d14: rateText(w.d14),
          d30: rateText(w.d30),
          d45: rateText(w.d45),
          note: note(w.withoutClockStart),
        });

  const pub = f.publication45;
  const ttr = f.timeToRemediate;
  const kevList = f.kev.openPastDue.map((k) =>
    fillTemplate(it.kevPastDue, {
      host: k.hostname,
      patch: k.patchId,
      cves: k.cveIds.join(', ') || '—',
      due: isoDate(k.kevDueAt),
      days: k.daysPastDue,
      accepted: accepted(k.riskAcceptedUntil),
    }),
  );
  const legacy = f.legacyAssets;
  const legacyList = (legacy ?? []).map((a) =>
    fillTemplate(it.legacyAsset, {
      host: a.hostname,
      os: a.os ? ` (${a.os})` : '',
      controls: controls(a.compensatingControls),
      openItems: a.openItems,
      accepted: accepted(a.riskAcceptedUntil),
    }),
  );
  const exceptionList = f.openExceptions.map((e) =>
    fillTemplate(it.openException, {
      host: e.hostname,
      patch: e.patchId ?? '',
      until: isoDate(e.expiresAt),
      owner: e.owner,
      approver: e.approver,
      reason: e.reason,
      controls: controls(e.compensatingControls),
    }),
  );

  const answers: Record<AttestationQuestionId, string> = {
    criticalWithin: within('criticalWithin', f.remediatedWithin.critical),
    highWithin: within('highWithin', f.remediatedWithin.high),
    publication45:
      pub.criticalAndHigh.denominator === 0
        ? fill('publication45', 'none', {})
        : fill('publication45', 'answer', {
            rate: rateText(pub.criticalAndHigh),
            note: note(pub.withoutPublicationDate, wording.clockLabels.publication),
          }),
    kevPastDue:
      kevList.length === 0
        ? fill('kevPastDue', 'none', { openKev: f.kev.open, count: 0 })
        : fill('kevPastDue', 'answer', {
            count: kevList.length,
            openKev: f.kev.open,
            list: kevList.join('\n'),
          }),
    timeToRemediate:
      ttr.all.count === 0
        ? fill('timeToRemediate', 'none', {})
        : fill('timeToRemediate', 'answer', {
            median: daysText(ttr.all.median),
            p90: daysText(ttr.all.p90),
            count: ttr.all.count,
            criticalMedian: daysText(ttr.critical.median),
            criticalP90: daysText(ttr.critical.p90),
            criticalCount: ttr.critical.count,
          }),
    backupsBeforeChange:
      f.backupsVerifiedBeforeChange.denominator === 0
        ? fill('backupsBeforeChange', 'none', {})
        : fill('backupsBeforeChange', 'answer', {
            rate: percentText(f.backupsVerifiedBeforeChange),
            numerator: f.backupsVerifiedBeforeChange.numerator,
            denominator: f.backupsVerifiedBeforeChange.denominator,
          }),
    rollbacks:
      f.rollbacks.rate.denominator === 0
        ? fill('rollbacks', 'none', {})
        : fill('rollbacks', 'answer', {
            count: f.rollbacks.count,
            rate: percentText(f.rollbacks.rate),
            denominator: f.rollbacks.rate.denominator,
          }),
    legacyAssets:
      legacy === null
        ? fill('legacyAssets', 'notDeclared', {})
        : legacy.length === 0
          ? fill('legacyAssets', 'none', {})
          : fill('legacyAssets', 'answer', { count: legacy.length, list: legacyList.join('\n') }),
    openExceptions:
      exceptionList.length === 0
        ? fill('openExceptions', 'none', {})
        : fill('openExceptions', 'answer', { count: exceptionList.length, list: exceptionList.join('\n') }),
  };
  return ATTESTATION_QUESTIONS.map((id) => ({
    id,
    label: fillTemplate(q[id].label, common),
    answer: answers[id],
  }));
}

/** The attestation for the pack's client as of the pack's as-of instant. */
export function buildAttestation(
  content: EvidencePackContent,
  opts: BuildAttestationOptions,
): InsurerAttestation {
  const { wording } = opts;
  const asOf = content.asOf;
  const policy = content.policy;
  const m = content.metrics;
  const critical = bySeverity(content.cases, 'critical');
  const high = bySeverity(content.cases, 'high');
  const pub45 = withinDays([...critical, ...high], (c) => c.publishedAt, 45, asOf);

  const exceptionByCase = new Map(
    content.exceptions.filter((e) => e.validAtAsOf && e.caseKey !== undefined).map((e) => [e.caseKey!, e]),
  );
  const openKev = content.cases.filter((c) => c.kev && closedAt(c, asOf) === undefined);
  const openPastDue: KevPastDueItem[] = openKev
    .filter((c) => c.kevDueAt !== undefined && asOf > endOfUtcDay(c.kevDueAt))
    .map((c) => {
      const item: KevPastDueItem = {
        caseKey: c.key,
        hostname: c.hostname,
        patchId: c.patchId,
        cveIds: c.cveIds,
        kevDueAt: c.kevDueAt!,
        daysPastDue: Math.max(1, Math.ceil((asOf - endOfUtcDay(c.kevDueAt!)) / DAY_MS)),
      };
      const e = exceptionByCase.get(c.key);
      if (e) item.riskAcceptedUntil = e.expiresAt;
      return item;
    })
    .sort(
      (a, b) =>
        a.kevDueAt - b.kevDueAt || a.hostname.localeCompare(b.hostname) || a.caseKey.localeCompare(b.caseKey),
    );

  const figures: Figures = {
    asOf,
    packId: content.packId,
    client: { id: content.client.id, name: content.client.name },
    msp: { id: content.tenant.id, name: content.tenant.name },
    period: { from: content.period.from, to: content.period.to, label: content.periodLabel },
    policy: {
      key: policy.key,
      name: policy.name,
      version: policy.version,
      clock: policy.clock,
      dayKind: policy.dayKind,
    },
    remediatedWithin: {
      clock: policy.clock,
      critical: withinFigures(critical, policy.clock, asOf),
      high: withinFigures(high, policy.clock, asOf),
    },
    publication45: { criticalAndHigh: pub45.rate, withoutPublicationDate: pub45.withoutStart },
    kev: { open: openKev.length, openPastDue },
    timeToRemediate: {
      clock: policy.clock,
      all: m.ttrBySeverity.all,
      critical: m.ttrBySeverity.critical,
      high: m.ttrBySeverity.high,
    },
    backupsVerifiedBeforeChange: m.backupBeforeDeploy,
    rollbacks: { count: m.rollbackRate.numerator, rate: m.rollbackRate },
    legacyAssets: opts.legacyAssets === undefined ? null : legacyAnswers(content, opts.legacyAssets),
    openExceptions: content.exceptions
      .filter((e) => e.validAtAsOf)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.eventId.localeCompare(b.eventId))
      .map((e) => {
        const out: OpenExceptionAnswer = {
          hostname: e.hostname,
          reason: e.reason,
          compensatingControls: e.compensatingControls,
          owner: e.owner,
          approver: e.approver,
          expiresAt: e.expiresAt,
        };
        if (e.caseKey !== undefined) out.caseKey = e.caseKey;
        if (e.patchId !== undefined) out.patchId = e.patchId;
        return out;
      }),
  };

  // The id hashes what the attestation says, so two different answers can never share an id.
  const provisional = { ...figures, attestationId: '', answers: [], statement: '' };
  const draftCommon = commonPlaceholders(provisional, wording);
  const draftAnswers = answerTexts(figures, wording, draftCommon);
  const attestationId = `att_${createHash('sha256')
    .update(JSON.stringify({ figures, answers: draftAnswers.map((a) => a.answer) }))
    .digest('hex')
    .slice(0, 24)}`;
  const common = { ...draftCommon, attestationId };
  return {
    attestationId,
    ...figures,
    answers: answerTexts(figures, wording, common),
    statement: fillTemplate(wording.statement, common),
  };
}
