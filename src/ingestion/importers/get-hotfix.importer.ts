/**
 * PowerShell `Get-HotFix` console output (Format-Table):
 *
 *   Source         Description      HotFixID      InstalledBy          InstalledOn
 *   ------         -----------      --------      -----------          -----------
 *   Server01       Security Update  KB4470788     NT AUTHORITY\SYSTEM  1/22/2019 00:00:00
 *
 * Columns are cut where the dashes of the underline start (values contain spaces). Each row is `deployed` of
 * HotFixID on Source (else options.hostname), actor = InstalledBy as written (`NT AUTHORITY\SYSTEM` says the
 * Windows Update service installed it, itself evidence). InstalledOn is a date in the en-US culture
 * (M/d/yyyy; yyyy-MM-dd is accepted too) with no zone: midnight local in options.timeZone. Other cultures'
 * d/M/yyyy cannot be told from M/d/yyyy, so export with `-Culture en-US` or ISO dates. The sourceEventId is
 * host + hotfix: a hotfix is installed once per host, so re-exports of the same machine add nothing.
 * `read` counts lines.
 */
import type { EventDraft, ImportOutcome, ImporterOptions } from '../patch-event.js';
import {
  eachLine,
  excerpt,
  hostnameOption,
  localToUtc,
  makeLocal,
  parseTimestamp,
  runImport,
  sourceName,
  timeZoneOption,
  toRfc3339,
  type Importer,
  type LocalDateTime,
} from './importer-utils.js';

const FORMAT = 'get-hotfix';

interface Column {
  name: string;
  start: number;
}

export function parseGetHotFix(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, FORMAT);
  const zone = timeZoneOption(options);
  const hostOption = hostnameOption(options, 'Get-HotFix table without a Source column');
  return runImport(input, (collector) => {
    const lines: { text: string; line: number }[] = [];
    eachLine(input, collector, (text, line) => {
      if (text.trim() !== '') lines.push({ text, line });
    });
    let columns: Column[] | undefined;
    for (let i = 0; i < lines.length; i++) {
      const { text, line } = lines[i];
      const underline = lines[i + 1]?.text;
      // A header is the line above a row of dash groups; Format-Table repeats it per group of objects.
      if (underline !== undefined && /^\s*-+(\s+-+)*\s*$/.test(underline)) {
        columns = columnsOf(text, underline);
        i += 1;
        if (!columns.some((c) => c.name === 'HotFixID') || !columns.some((c) => c.name === 'InstalledOn')) {
          collector.problem(line, 'not a Get-HotFix table: no HotFixID or InstalledOn column');
          columns = undefined;
        }
        continue;
      }
      // Before the first header: the prompt and command that produced the table.
      if (!columns) continue;
      const cells = new Map(
        columns.map((column, c) => [column.name, text.slice(column.start, columns?.[c + 1]?.start).trim()]),
      );
      const event = hotfixEvent(cells);
      if (typeof event === 'string') collector.problem(line, event);
      else collector.event({ ...event, raw: text });
    }
    if (!columns && !collector.hasProblems()) {
      collector.problem(
        1,
        'no Get-HotFix table: expected a header "Source Description HotFixID InstalledBy InstalledOn"',
      );
    }
  });

  function hotfixEvent(cells: Map<string, string>): EventDraft | string {
    const hotfix = cells.get('HotFixID') ?? '';
    const installedOn = cells.get('InstalledOn') ?? '';
    const hostname = cells.get('Source') || (hostOption.ok ? hostOption.value : undefined);
    if (!/^[A-Za-z0-9][\w.-]*$/.test(hotfix)) return `HotFixID ${excerpt(hotfix)} is not a hotfix id`;
    // Windows leaves InstalledOn empty for some updates: without a date there is no evidence of when.
    if (installedOn === '') return `${hotfix} has no InstalledOn date`;
    const local = parseInstalledOn(installedOn);
    if (!local) return `InstalledOn ${excerpt(installedOn)} is not M/d/yyyy (en-US) or yyyy-MM-dd`;
    if (!hostname) return hostOption.ok ? 'no Source' : hostOption.message;
    if (!zone.ok) return zone.message;
    const installedBy = cells.get('InstalledBy');
    const description = cells.get('Description');
    return {
      kind: 'deployed',
      occurredAt: toRfc3339(localToUtc(local, zone.value)),
      source,
      sourceEventId: `${hostname}:${hotfix.toUpperCase()}`,
      asset: { hostname },
      patch: {
        id: hotfix.toUpperCase(),
        vendor: 'Microsoft',
        ...(description ? { title: description } : {}),
      },
      ...(installedBy ? { actor: installedBy } : {}),
    };
  }
}

/** Column starts from the dash groups of the underline; names from the header above them. */
function columnsOf(header: string, underline: string): Column[] {
  const columns: Column[] = [];
  const dashes = /-+/g;
  for (let m = dashes.exec(underline); m; m = dashes.exec(underline)) {
    columns.push({ name: header.slice(m.index, m.index + m[0].length).trim(), start: m.index });
  }
  return columns;
}

/** `5/16/2019`, `5/16/2019 00:00:00`, `5/16/2019 12:00:00 AM` or `2019-05-16`. */
function parseInstalledOn(text: string): LocalDateTime | undefined {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?)?$/i.exec(text);
  if (!us) {
    const iso = parseTimestamp(text);
    return iso && iso.offsetMinutes === undefined ? iso.local : undefined;
  }
  let hour = Number(us[4] ?? 0);
  const meridiem = us[7]?.toUpperCase();
  if (meridiem && (hour < 1 || hour > 12)) return undefined;
  if (meridiem === 'AM' && hour === 12) hour = 0;
  if (meridiem === 'PM' && hour !== 12) hour += 12;
  return makeLocal(Number(us[3]), Number(us[1]), Number(us[2]), hour, Number(us[5] ?? 0), Number(us[6] ?? 0));
}

export const getHotFixImporter: Importer = {
  format: FORMAT,
  description:
    'PowerShell Get-HotFix table output: installed KBs per host; needs --tz (InstalledOn has no zone)',
  parse: parseGetHotFix,
};
