/**
 * AWS Systems Manager `aws ssm describe-instance-patches --instance-id i-…` output:
 * `{ "Patches": [ { Title, KBId, Classification, Severity, State, InstalledTime } ], "NextToken"? }`, or an array
 * of such pages. One patch = one record read.
 *
 * States (API enum, or the CamelCase the older CLI docs show, e.g. `InstalledOther`):
 * - INSTALLED, INSTALLED_OTHER → `deployed` at InstalledTime;
 * - INSTALLED_PENDING_REBOOT → `deployment_started` at InstalledTime (the patch is not in effect before the
 *   reboot);
 * - FAILED → `failed` at InstalledTime, else at the scan time;
 * - MISSING, AVAILABLE_SECURITY_UPDATE → `detected`. The API gives no time for these (InstalledTime is 0), and
 *   inventing one would move the SLA clock: the time is `scannedAt` (the patch-state OperationEndTime of
 *   `describe-instance-patch-states`), passed by the caller; without it each such patch is a problem;
 * - NOT_APPLICABLE, INSTALLED_REJECTED → read, not imported.
 * The response does not name the instance: options.hostname, else a top-level `InstanceId`.
 * A `NextToken` means more pages exist: reported, since an incomplete population is not evidence of completeness.
 */
import type { EventDraft, EventKind, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  excerpt,
  parseInstant,
  severityFromLabel,
  sourceName,
  toRfc3339,
  type Importer,
} from './importer-utils.js';
import { isRecord, runJsonImport, stringField } from './jsonc-reader.js';

const FORMAT = 'aws-ssm';

export type AwsSsmOptions = ImporterOptions & {
  /** RFC 3339 time of the patch scan the states come from: the `detected` time of MISSING patches. */
  scannedAt?: string;
};

const KIND_BY_STATE: Record<string, EventKind | null> = {
  INSTALLED: 'deployed',
  INSTALLED_OTHER: 'deployed',
  INSTALLED_PENDING_REBOOT: 'deployment_started',
  FAILED: 'failed',
  MISSING: 'detected',
  AVAILABLE_SECURITY_UPDATE: 'detected',
  NOT_APPLICABLE: null,
  INSTALLED_REJECTED: null,
};

export function parseAwsSsm(input: string, options: AwsSsmOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  return runJsonImport(input, (doc, collector) => {
    const pages = Array.isArray(doc.value) ? doc.value : [doc.value];
    const scannedAt = options.scannedAt?.trim() ? parseInstant(options.scannedAt) : undefined;
    const scanProblem =
      options.scannedAt === undefined || options.scannedAt.trim() === ''
        ? 'pass scannedAt (the scan time, OperationEndTime of describe-instance-patch-states)'
        : scannedAt === undefined
          ? `scannedAt ${excerpt(options.scannedAt)} is not an RFC 3339 time with offset`
          : undefined;
    const context: PageContext = { source, scannedAt, scanProblem };
    for (const page of pages) {
      if (!isRecord(page) || !Array.isArray(page['Patches'])) {
        collector.problem(doc.lineOf(page), 'not a describe-instance-patches response: no "Patches" array');
        continue;
      }
      const hostname = options.hostname?.trim() || stringField(page, 'InstanceId');
      const nextToken = stringField(page, 'NextToken');
      if (nextToken !== undefined) {
        collector.problem(
          doc.lineOf(page, 'NextToken'),
          'the response has a NextToken: more patches exist on further pages; import the complete output (the CLI pages itself unless --max-items or --no-paginate is given)',
        );
      }
      const patches = page['Patches'] as unknown[];
      patches.forEach((patch, i) => {
        collector.read += 1;
        const result = patchEvent(patch, hostname, context);
        if (typeof result === 'string') collector.problem(doc.lineOf(patches, i), result);
        else if (result) collector.event(result);
      });
    }
  });
}

interface PageContext {
  source: string;
  scannedAt: number | undefined;
  scanProblem: string | undefined;
}

function patchEvent(
  patch: unknown,
  hostname: string | undefined,
  context: PageContext,
): EventDraft | undefined | string {
  if (!isRecord(patch)) return 'a patch entry is not an object';
  const state = stringField(patch, 'State');
  const stateKey = state?.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const kind = stateKey === undefined ? undefined : KIND_BY_STATE[stateKey];
  if (kind === undefined) return `unknown patch State ${excerpt(state ?? '')}`;
  if (kind === null) return undefined;
  const id = stringField(patch, 'KBId') ?? stringField(patch, 'Title');
  if (id === undefined) return 'patch has neither KBId nor Title';
  if (!hostname) return 'no instance: pass --hostname (describe-instance-patches does not name the instance)';
  const severity = severityFromLabel(stringField(patch, 'Severity') ?? '');
  if (!severity.ok) return `${id}: ${severity.message}`;
  const installed = installedTime(patch['InstalledTime']);
  if (typeof installed === 'string') return `${id}: ${installed}`;
  let at: number | undefined;
  if (kind === 'detected') at = context.scannedAt;
  else at = installed ?? (kind === 'failed' ? context.scannedAt : undefined);
  if (at === undefined) {
    return kind === 'detected' || kind === 'failed'
      ? `${id} is ${stateKey} with no time: ${context.scanProblem ?? 'no scan time'}`
      : `${id} is ${stateKey} but has no InstalledTime`;
  }
  const title = stringField(patch, 'Title');
  return {
    kind,
    occurredAt: toRfc3339(at),
    source: context.source,
    sourceEventId: `${hostname}:${id}:${stateKey}:${toRfc3339(at)}`,
    asset: { hostname },
    patch: { id, ...(title ? { title } : {}) },
    ...(severity.value !== undefined ? { vendorSeverity: severity.value } : {}),
    raw: patch,
  };
}

/** Epoch seconds (the API, CLI v1) or an ISO string (CLI v2's default); 0 or absent = no time. */
function installedTime(value: unknown): number | undefined | string {
  if (value === undefined || value === null || value === 0 || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const instant = parseInstant(value);
    if (instant !== undefined) return instant;
  }
  return `InstalledTime ${excerpt(JSON.stringify(value))} is neither epoch seconds nor an RFC 3339 time`;
}

export const awsSsmImporter: Importer = {
  format: FORMAT,
  description:
    'AWS SSM describe-instance-patches JSON: installed, pending-reboot, failed and missing patches of one instance',
  parse: parseAwsSsm,
};
