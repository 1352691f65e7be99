/**
 * The `yum history` / `dnf history` table:
 *
 *   ID     | Command line             | Date and time    | Action(s)      | Altered
 *   -------------------------------------------------------------------------------
 *        2 | -y upgrade               | 2022-02-18 18:23 | I, O, U        |  321 EE
 *
 * (yum 3 prints `Login user` instead of `Command line`; columns are found by their header.) The table does not
 * name packages, so one transaction is one event with patch id `yum-transaction-<ID>`: `deployed` when it
 * installed or updated anything, `failed` when the Altered marks say its return code was non-zero (`#`; the
 * `*` mark is not a failure: yum also prints it when the rpmdb changed outside yum, and `E` is only output).
 * `history undo N` / `history rollback N` is the `rolled_back` of transaction N. A transaction that only erased
 * or downgraded packages is reported, not imported: which patch it removed cannot be told from the table
 * (import yum.log / dnf.rpm.log for that). Times are host-local to the minute: needs options.timeZone and
 * options.hostname. Lines before the header (`Loaded plugins: …`) are read and passed over. `read` counts lines.
 */
import type { EventDraft, EventKind, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  eachLine,
  excerpt,
  hostSettings,
  localToUtc,
  parseTimestamp,
  runImport,
  sourceName,
  toRfc3339,
  type Importer,
} from './importer-utils.js';

const FORMAT = 'yum-history';

/** Full words (one action) and the one-letter forms yum/dnf use when a transaction has several. */
const INSTALLING = /^(?:i|u|o|install|update|upgrade|upgraded|obsoleting|obsoleted)$/i;
const REMOVING = /^(?:e|d|erase|removed|remove|downgrade)$/i;

export function parseYumHistory(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  const settings = hostSettings(options, 'yum history table');
  return runImport(input, (collector) => {
    let columns: string[] | undefined;
    eachLine(input, collector, (text, line) => {
      if (text.trim() === '' || /^-+$/.test(text.trim())) return;
      const cells = text.split('|').map((cell) => cell.trim());
      if (!columns) {
        // Anything before the header is yum's preamble ("Loaded plugins: …").
        if (cells[0] === 'ID' && cells.length >= 4) columns = cells;
        return;
      }
      const header = columns;
      const commandAt = header.indexOf('Command line');
      // A "|" inside the command line splits it: join the surplus back into that column.
      if (cells.length > header.length && commandAt !== -1) {
        const surplus = cells.length - header.length;
        cells.splice(commandAt, surplus + 1, cells.slice(commandAt, commandAt + surplus + 1).join(' | '));
      }
      if (cells.length !== header.length) {
        collector.problem(
          line,
          `not a row of the yum history table (${header.length} columns): ${excerpt(text)}`,
        );
        return;
      }
      const cell = (name: string) => cells[header.indexOf(name)] ?? '';
      const id = cell('ID');
      const when = parseTimestamp(cell('Date and time'));
      const altered = /^(\d+)\s*(\S*)$/.exec(cell('Altered'));
      if (!/^\d+$/.test(id) || !when || when.dateOnly || when.offsetMinutes !== undefined || !altered) {
        collector.problem(
          line,
          `cannot read transaction row (ID, "YYYY-MM-DD HH:MM", Altered): ${excerpt(text)}`,
        );
        return;
      }
      const actions = cell('Action(s)')
        .split(/[,\s]+/)
        .filter((a) => a !== '');
      const command = cell('Command line');
      const undone = /^history\s+(?:undo|rollback)\s+(\d+)\b/.exec(command);
      let kind: EventKind;
      let patchId = `yum-transaction-${id}`;
      if (altered[2].includes('#')) kind = 'failed';
      else if (undone) {
        kind = 'rolled_back';
        patchId = `yum-transaction-${undone[1]}`;
      } else if (actions.some((a) => INSTALLING.test(a))) kind = 'deployed';
      else if (actions.some((a) => REMOVING.test(a))) {
        collector.problem(
          line,
          `transaction ${id} only removed or downgraded packages, and the table does not say which: import yum.log or dnf.rpm.log for it`,
        );
        return;
      } else return; // Reinstall and the like: no change of version.
      if (!settings.ok) {
        collector.problem(line, settings.message);
        return;
      }
      const { timeZone, hostname } = settings.value;
      const occurredAt = localToUtc(when.local, timeZone);
      const actor = actorOf(cell('Login user'));
      const draft: EventDraft = {
        kind,
        occurredAt: toRfc3339(occurredAt),
        source,
        sourceEventId: `${hostname}:yum-history:${id}`,
        asset: { hostname },
        patch: { id: patchId, title: command ? `yum ${command}` : `yum transaction ${id}` },
        ...(actor !== undefined ? { actor } : {}),
        raw: text,
      };
      collector.event(draft);
    });
    if (!columns)
      collector.problem(
        1,
        'no yum history table: expected a header "ID | … | Date and time | Action(s) | Altered"',
      );
  });
}

/** `Jaromir ... <jhradilek>` → `jhradilek`; `System <unset>` (no login: an automatic run) → no actor. */
function actorOf(loginUser: string): string | undefined {
  const user = /<([^<>]*)>\s*$/.exec(loginUser)?.[1] ?? loginUser;
  return user === '' || user === 'unset' ? undefined : user;
}

export const yumHistoryImporter: Importer = {
  format: FORMAT,
  description:
    'the `yum history` / `dnf history` table: one event per transaction; needs --tz and --hostname',
  parse: parseYumHistory,
};
