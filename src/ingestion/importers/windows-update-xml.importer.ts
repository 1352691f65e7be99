/**
 * Windows Update client events as XML: `wevtutil qe System /f:xml` (bare `<Event>` elements), Event Viewer's
 * "Save as XML", or libevtx/evtx_dump output (`<Events>` around them). One `<Event>` = one record read.
 * Events of other providers in a whole-System-log export are read and passed over.
 */
import type { ImportOutcome, ImporterOptions } from '../patch-event.js';
import { runImport, sourceName, type Importer } from './importer-utils.js';
import { WINDOWS_UPDATE_SOURCE, windowsUpdateEvent } from './windows-update-record.js';
import { child, readXmlRecords, type XmlElement } from './xml-reader.js';

const PROVIDER = 'Microsoft-Windows-WindowsUpdateClient';

export function parseWindowsUpdateXml(input: string, options: ImporterOptions): ImportOutcome {
  const source = sourceName(options, WINDOWS_UPDATE_SOURCE);
  return runImport(input, (collector) => {
    for (const record of readXmlRecords(input, 'Event', 'Events')) {
      if (record.raw === undefined) {
        collector.problem(record.line, record.error);
        continue;
      }
      collector.read += 1;
      const system = child(record.element, 'System');
      const provider = child(system, 'Provider')?.attributes['Name'];
      if (provider !== undefined && provider !== PROVIDER) continue;
      const eventId = child(system, 'EventID')?.text;
      if (eventId === undefined) {
        collector.problem(record.line, '<Event> has no <System><EventID>');
        continue;
      }
      const data = eventData(child(record.element, 'EventData'));
      const result = windowsUpdateEvent(
        {
          eventId,
          recordId: child(system, 'EventRecordID')?.text,
          timeCreated: child(system, 'TimeCreated')?.attributes['SystemTime'],
          computer: child(system, 'Computer')?.text,
          updateTitle: data.get('updateTitle'),
          updateGuid: data.get('updateGuid'),
          errorCode: data.get('errorCode'),
          raw: record.raw,
        },
        source,
      );
      if (!result.ok) collector.problem(record.line, result.message);
      else if (result.value) collector.event(result.value);
    }
  });
}

function eventData(element: XmlElement | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const data of element?.children ?? []) {
    const name = data.attributes['Name'];
    if (data.name === 'Data' && name !== undefined && !values.has(name)) values.set(name, data.text);
  }
  return values;
}

export const windowsUpdateXmlImporter: Importer = {
  format: 'windows-update-xml',
  description:
    'Windows Update client events (WindowsUpdateClient 19/20/43/23) exported as XML from the System log',
  parse: parseWindowsUpdateXml,
};
