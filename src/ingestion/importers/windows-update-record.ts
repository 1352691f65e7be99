/**
 * One Microsoft-Windows-WindowsUpdateClient event (from the XML or the CSV export) → one event draft.
 * Shared by windows-update-xml and windows-update-csv so that both exports of the same log give the same events.
 */
import type { EventDraft, EventKind } from '../patch-event.js';
import { excerpt, fail, ok, parseInstant, toRfc3339, type Checked } from './importer-utils.js';

export const WINDOWS_UPDATE_SOURCE = 'windows-update';

export interface WindowsUpdateRecord {
  eventId: string;
  recordId?: string;
  timeCreated?: string;
  computer?: string;
  updateTitle?: string;
  updateGuid?: string;
  errorCode?: string;
  raw: unknown;
}

/**
 * Event ids of the WindowsUpdateClient provider and what they mean for the remediation item.
 * - 44 "download started" changes nothing on the host: read, not imported.
 * - 24 "uninstall failed": the update stays installed, so the item's state does not change. Emitting `failed`
 *   would claim a failed *deployment* and count against the patch success rate; it is read, not imported.
 * - any other id of the provider (scan, reboot-required, service events) is read, not imported.
 */
const KIND_BY_EVENT_ID: Partial<Record<string, EventKind>> = {
  '19': 'deployed',
  '20': 'failed',
  '43': 'deployment_started',
  '23': 'rolled_back',
};

/** `undefined` = a record that is read but produces no event. */
export function windowsUpdateEvent(
  record: WindowsUpdateRecord,
  source: string,
): Checked<EventDraft | undefined> {
  const kind = KIND_BY_EVENT_ID[record.eventId.trim()];
  if (kind === undefined) {
    return /^\d+$/.test(record.eventId.trim())
      ? ok(undefined)
      : fail(`EventID ${excerpt(record.eventId)} is not a number`);
  }
  const computer = record.computer?.trim();
  const recordId = record.recordId?.trim();
  if (!computer) return fail('event has no Computer (the hostname)');
  if (!recordId || !/^\d+$/.test(recordId))
    return fail(`EventRecordID ${excerpt(recordId ?? '')} is not a number`);
  const occurredAt = parseInstant(record.timeCreated ?? '');
  if (occurredAt === undefined) {
    return fail(`TimeCreated ${excerpt(record.timeCreated ?? '')} is not an RFC 3339 UTC time`);
  }
  const patch = patchOf(record.updateTitle?.trim(), record.updateGuid?.trim());
  if (!patch) return fail('event names no update (no updateTitle, no updateGuid)');
  const errorCode = record.errorCode?.trim() ? normaliseHresult(record.errorCode.trim()) : undefined;
  const draft: EventDraft = {
    kind,
    occurredAt: toRfc3339(occurredAt),
    source,
    sourceEventId: `${computer}:${recordId}`,
    asset: { hostname: computer },
    patch,
    ...(kind === 'failed' && errorCode !== undefined ? { errorCode } : {}),
    raw: record.raw,
  };
  return ok(draft);
}

/**
 * The patch id is the KB number when the title has one: "(KB4025342)", or "- KB2267602 (Definition …)" for
 * Defender definitions. Store apps have no KB: their update GUID is the id (stable across a failure and the
 * retry that succeeds; normalised to lower case without braces, since exporters differ in case).
 */
function patchOf(title: string | undefined, guid: string | undefined): EventDraft['patch'] | undefined {
  const kb = title ? (/\((KB\d{4,8})\)/i.exec(title) ?? /\b(KB\d{4,8})\b/i.exec(title)) : null;
  const id = kb ? kb[1].toUpperCase() : guid ? guid.replace(/^\{|\}$/g, '').toLowerCase() : title;
  if (!id) return undefined;
  return { id, vendor: 'Microsoft', ...(title ? { title } : {}) };
}

/** HRESULTs as `0x` + 8 upper-case hex digits, so 0x8024001e and 0x8024001E group together in reports. */
function normaliseHresult(code: string): string {
  if (/^0x[0-9a-f]{1,8}$/i.test(code)) return `0x${code.slice(2).toUpperCase().padStart(8, '0')}`;
  if (/^-?\d{1,10}$/.test(code)) {
    const value = Number(code);
    if (value >= -0x80000000 && value <= 0xffffffff) {
      return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
    }
  }
  return code;
}
