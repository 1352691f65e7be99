/**
 * Windows Update client events as CSV, one row per event with the columns
 * `EventRecordID,TimeCreated,EventID,…,Computer,updateTitle,updateGuid,updateRevisionNumber,serviceGuid,errorCode`
 * (the event's System fields, then its EventData by name). One data row = one record read.
 */
import type { ImportOutcome, ImporterOptions } from '../patch-event.js';
import { readCsvTable, requireColumns } from './csv-reader.js';
import { runImport, sourceName, type Importer } from './importer-utils.js';
import { WINDOWS_UPDATE_SOURCE, windowsUpdateEvent } from './windows-update-record.js';

const REQUIRED_COLUMNS = ['EventRecordID', 'TimeCreated', 'EventID', 'Computer'];

export function parseWindowsUpdateCsv(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, WINDOWS_UPDATE_SOURCE);
  return runImport(input, (collector) => {
    const table = readCsvTable(input, collector, {
      checkHeader: requireColumns(REQUIRED_COLUMNS, 'a Windows Update event CSV'),
    });
    for (const row of table) {
      const result = windowsUpdateEvent(
        {
          eventId: row.value('EventID') ?? '',
          recordId: row.value('EventRecordID'),
          timeCreated: row.value('TimeCreated'),
          computer: row.value('Computer'),
          updateTitle: row.value('updateTitle'),
          updateGuid: row.value('updateGuid'),
          errorCode: row.value('errorCode'),
          raw: row.raw,
        },
        source,
      );
      if (!result.ok) collector.problem(row.line, result.message);
      else if (result.value) collector.event(result.value);
    }
  });
}

export const windowsUpdateCsvImporter: Importer = {
  format: 'windows-update-csv',
  description: 'Windows Update client events (WindowsUpdateClient 19/20/43/23) as CSV, one row per event',
  parse: parseWindowsUpdateCsv,
};
