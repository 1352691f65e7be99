/**
 * Any RMM's CSV export, with a header row and a mapping from event fields to its column names:
 *
 *   parseGenericCsv(text, { mapping: { kind: 'Status', occurredAt: 'Installed On', hostname: 'Device',
 *     patchId: 'KB' }, kindValues: { Installed: 'deployed', Failed: 'failed' }, timeZone: 'Europe/Paris' })
 *
 * A field without a mapping is read from a column of its own name (`kind`, `occurredAt`, … ignoring case), so a
 * CSV written in our vocabulary needs no mapping. Required: kind, occurredAt, hostname, patchId. Without a
 * sourceEventId column the id is derived from the row's mapped values (`csv:` + SHA-256 of them): the same row
 * exported twice is the same event, while a row that differs in any mapped value is another one.
 * occurredAt is RFC 3339 (with offset), or a local `YYYY-MM-DD[ HH:MM[:SS]]` read in options.timeZone (a
 * problem without one). cveIds are separated by `;`, `,` or spaces. `read` counts data rows.
 */
import { createHash } from 'node:crypto';

import {
  EVENT_KINDS,
  type EventDraft,
  type EventKind,
  type ImportOutcome,
  type ImporterOptions,
} from '../patch-event.js';
import { readCsvTable, type CsvRow } from './csv-reader.js';
import {
  excerpt,
  parseCveList,
  parseTimestamp,
  resolveTimestamp,
  runImport,
  severityFromLabel,
  sourceName,
  timeZoneOption,
  toRfc3339,
  type Importer,
  type ZoneSetting,
} from './importer-utils.js';

const FORMAT = 'generic-csv';

export const EVENT_FIELDS = [
  'kind',
  'occurredAt',
  'hostname',
  'patchId',
  'sourceEventId',
  'cveIds',
  'vendorSeverity',
  'actor',
  'changeTicket',
  'errorCode',
  'ring',
  'source',
  'patchTitle',
  'patchVendor',
  'supersededBy',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

const REQUIRED: readonly EventField[] = ['kind', 'occurredAt', 'hostname', 'patchId'];

export type GenericCsvOptions = ImporterOptions & {
  /** Event field → column name of the header. */
  mapping?: Partial<Record<EventField, string>>;
  /** The export's own words for kinds, e.g. `{ Installed: 'deployed' }` (matched exactly, then ignoring case). */
  kindValues?: Record<string, EventKind>;
  /** Field separator; `,` unless given (`;` is common in European Excel exports). */
  delimiter?: string;
};

export function parseGenericCsv(input: string, options: GenericCsvOptions): ImportOutcome {
  const defaultSource = sourceName(options, FORMAT);
  const zone = timeZoneOption(options);
  const columnOf = (field: EventField) => options.mapping?.[field] ?? field;
  return runImport(input, (collector) => {
    const rows = readCsvTable(input, collector, {
      delimiter: options.delimiter,
      checkHeader: (column) => {
        const mapped = EVENT_FIELDS.filter((field) => options.mapping?.[field] !== undefined);
        const missing = [...new Set([...REQUIRED, ...mapped])].filter(
          (field) => column(columnOf(field)) === undefined,
        );
        if (missing.length === 0) return undefined;
        return `no column for ${missing.map((field) => `${field} (looked for "${columnOf(field)}")`).join(', ')}: map it with mapping.${missing[0]}`;
      },
    });
    for (const row of rows) {
      const event = rowEvent(
        row,
        (field) => row.value(columnOf(field))?.trim() ?? '',
        options,
        zone,
        defaultSource,
      );
      if (typeof event === 'string') collector.problem(row.line, event);
      else collector.event(event);
    }
  });
}

function rowEvent(
  row: CsvRow,
  cell: (field: EventField) => string,
  options: GenericCsvOptions,
  zone: ZoneSetting,
  defaultSource: string,
): EventDraft | string {
  const empty = REQUIRED.filter((field) => cell(field) === '');
  if (empty.length > 0) return `empty ${empty.join(', ')}`;
  const kind = kindOf(cell('kind'), options.kindValues);
  if (kind === undefined) {
    return `kind ${excerpt(cell('kind'))} is not one of ${EVENT_KINDS.join(', ')} (map the export's words with kindValues)`;
  }
  if (kind === 'exception_granted') {
    return 'exception_granted needs the exception (reason, owner, approver, expiry), which a CSV row does not carry';
  }
  if (kind === 'superseded' && cell('supersededBy') === '')
    return 'superseded needs supersededBy (the replacing patch)';
  const parsed = parseTimestamp(cell('occurredAt'));
  if (!parsed) return `occurredAt ${excerpt(cell('occurredAt'))} is not YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]`;
  const at = resolveTimestamp(parsed, zone);
  if (!at.ok) return `occurredAt ${excerpt(cell('occurredAt'))} has no offset: ${at.message}`;
  const cves = parseCveList(cell('cveIds'));
  if (!cves.ok) return `cveIds: ${cves.message}`;
  const severity = severityFromLabel(cell('vendorSeverity'));
  if (!severity.ok) return `vendorSeverity: ${severity.message}`;
  const optional = (field: EventField) => (cell(field) === '' ? undefined : cell(field));
  const title = optional('patchTitle');
  const vendor = optional('patchVendor');
  const draft: EventDraft = {
    kind,
    occurredAt: toRfc3339(at.value),
    source: optional('source') ?? defaultSource,
    sourceEventId: optional('sourceEventId') ?? derivedId(cell),
    asset: { hostname: cell('hostname') },
    patch: { id: cell('patchId'), ...(title ? { title } : {}), ...(vendor ? { vendor } : {}) },
    ...(cves.value.length > 0 ? { cveIds: cves.value } : {}),
    ...(severity.value !== undefined ? { vendorSeverity: severity.value } : {}),
    raw: row.raw,
  };
  for (const field of ['actor', 'changeTicket', 'errorCode', 'ring', 'supersededBy'] as const) {
    const value = optional(field);
    if (value !== undefined) draft[field] = value;
  }
  return draft;
}

function kindOf(value: string, kindValues: Record<string, EventKind> | undefined): EventKind | undefined {
  const mapped =
    kindValues?.[value] ??
    Object.entries(kindValues ?? {}).find(([word]) => word.toLowerCase() === value.toLowerCase())?.[1];
  const candidate = mapped ?? value.toLowerCase().replace(/[\s-]+/g, '_');
  return EVENT_KINDS.find((kind) => kind === candidate);
}

/** `csv:` + SHA-256 of the mapped values (not of the whole row: a column added to the export changes no id). */
function derivedId(cell: (field: EventField) => string): string {
  const values = EVENT_FIELDS.filter((field) => field !== 'sourceEventId').map((field) => [
    field,
    cell(field),
  ]);
  return `csv:${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32)}`;
}

export const genericCsvImporter: Importer = {
  format: FORMAT,
  description:
    'any CSV export with a header: columns mapped to event fields (mapping, kindValues, delimiter options)',
  parse: parseGenericCsv,
};
