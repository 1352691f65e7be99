/**
 * The importers by format name: text in, event drafts and problems out. Pure functions; the CLI and the bulk
 * ingest route pick one by name and pass the options the format needs (zone, host, year).
 */
import { aptHistoryImporter } from './apt-history.importer.js';
import { awsSsmImporter } from './aws-ssm.importer.js';
import { dpkgLogImporter } from './dpkg-log.importer.js';
import { fleetImporter } from './fleet.importer.js';
import { genericCsvImporter } from './generic-csv.importer.js';
import { getHotFixImporter } from './get-hotfix.importer.js';
import type { Importer } from './importer-utils.js';
import { windowsUpdateCsvImporter } from './windows-update-csv.importer.js';
import { windowsUpdateXmlImporter } from './windows-update-xml.importer.js';
import { yumHistoryImporter } from './yum-history.importer.js';
import { yumLogImporter } from './yum-log.importer.js';

export const IMPORTER_FORMATS = [
  'windows-update-xml',
  'windows-update-csv',
  'apt-history',
  'dpkg-log',
  'yum-log',
  'yum-history',
  'get-hotfix',
  'aws-ssm',
  'fleet',
  'generic-csv',
] as const;
export type ImporterFormat = (typeof IMPORTER_FORMATS)[number];

export const IMPORTERS: Record<ImporterFormat, Importer> = {
  'windows-update-xml': windowsUpdateXmlImporter,
  'windows-update-csv': windowsUpdateCsvImporter,
  'apt-history': aptHistoryImporter,
  'dpkg-log': dpkgLogImporter,
  'yum-log': yumLogImporter,
  'yum-history': yumHistoryImporter,
  'get-hotfix': getHotFixImporter,
  'aws-ssm': awsSsmImporter,
  fleet: fleetImporter,
  'generic-csv': genericCsvImporter,
};

export function isImporterFormat(name: string): name is ImporterFormat {
  return (IMPORTER_FORMATS as readonly string[]).includes(name);
}

export type { Importer } from './importer-utils.js';
export type { AwsSsmOptions } from './aws-ssm.importer.js';
export type { EventField, GenericCsvOptions } from './generic-csv.importer.js';
export { readMaybeGzip } from './read-input.js';
