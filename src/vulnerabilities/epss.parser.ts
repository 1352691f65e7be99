/**
 * EPSS CSV → EpssScore. Two shapes: FIRST's daily file (`#model_version:…,score_date:…` then `cve,epss,percentile`)
 * and jgamblin's KEV_EPSS export (`CVE,CVSS3,EPSS,EPSS Percentile,Description,Vendor,Product`, no model line).
 * A score means little without the model that produced it, so the model version travels with every score.
 */
import { CVE_ID, isCalendarDate } from './kev.parser.js';
import type { EpssScore } from './vulnerability-facts.js';

export const UNKNOWN_EPSS_MODEL = 'unknown';

export interface EpssProblem {
  /** 1-based physical line where the record starts. */
  line: number;
  message: string;
}

export interface EpssParseResult {
  modelVersion: string;
  /** YYYY-MM-DD (UTC) from the comment line, when the file has one. */
  scoreDate?: string;
  scores: EpssScore[];
  problems: EpssProblem[];
}

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF line ends; a BOM is
 * dropped. Lines starting with `#` outside quotes are comments and come back as one-field records prefixed `#`.
 */
export function parseCsvRecords(text: string): { records: CsvRecord[]; problems: EpssProblem[] } {
  const records: CsvRecord[] = [];
  const problems: EpssProblem[] = [];
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    if (src[i] === '#') {
      const end = lineEnd(src, i);
      records.push({ line: start, fields: [src.slice(i, end)] });
      [i, line] = [skipNewline(src, end), line + 1];
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let atFieldStart = true;
    let done = false;
    while (i < src.length && !done) {
      const c = src[i];
      if (quoted) {
        if (c === '"' && src[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (c === '"') {
          quoted = false;
          i += 1;
        } else {
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
      } else if (c === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
        i += 1;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i += 1;
      } else if (c === '\n' || c === '\r') {
        i = skipNewline(src, i);
        line += 1;
        done = true;
      } else {
        field += c;
        atFieldStart = false;
        i += 1;
      }
    }
    if (quoted)
      problems.push({ line: start, message: 'quoted field is not closed before the end of the file' });
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { records, problems };
}

function lineEnd(src: string, from: number): number {
  const lf = src.indexOf('\n', from);
  const end = lf === -1 ? src.length : lf;
  return end > from && src[end - 1] === '\r' ? end - 1 : end;
}

function skipNewline(src: string, at: number): number {
  if (src[at] === '\r' && src[at + 1] === '\n') return at + 2;
  return at < src.length ? at + 1 : at;
}

/** Columns by header name (case-insensitive), for both known shapes. */
const COLUMNS = {
  cve: ['cve'],
  epss: ['epss'],
  percentile: ['percentile', 'epss percentile'],
  cvss3: ['cvss3'],
};

export function parseEpssCsv(text: string): EpssParseResult {
  const { records, problems } = parseCsvRecords(text);
  let modelVersion = UNKNOWN_EPSS_MODEL;
  let scoreDate: string | undefined;
  let header: Record<keyof typeof COLUMNS, number> | undefined;
  const scores: EpssScore[] = [];
  const seen = new Set<string>();

  for (const { line, fields } of records) {
    if (fields.length === 1 && fields[0].startsWith('#')) {
      const meta = parseComment(fields[0]);
      if (meta.model_version) modelVersion = meta.model_version;
      if (meta.score_date) {
        scoreDate = utcDate(meta.score_date);
        if (!scoreDate) problems.push({ line, message: `score_date ${meta.score_date} is not a date` });
      }
      continue;
    }
    if (!header) {
      header = headerColumns(fields);
      if (!header) {
        problems.push({
          line,
          message: `header ${fields.join(',')} has no cve, epss and percentile columns`,
        });
        return { modelVersion, scoreDate, scores, problems };
      }
      continue;
    }
    const cveId = (fields[header.cve] ?? '').trim();
    if (!CVE_ID.test(cveId)) {
      problems.push({ line, message: `${JSON.stringify(cveId)} is not a CVE id` });
      continue;
    }
    const epss = probability(fields[header.epss]);
    const percentile = probability(fields[header.percentile]);
    if (epss === undefined || percentile === undefined) {
      problems.push({
        line,
        message: `${cveId}: epss ${JSON.stringify(fields[header.epss])} / percentile ${JSON.stringify(fields[header.percentile])} not in 0..1`,
      });
      continue;
    }
    if (header.cvss3 >= 0) {
      // Blank CVSS3 values occur in the KEV_EPSS export; anything else must be a score.
      const cvss3 = (fields[header.cvss3] ?? '').trim();
      if (cvss3 !== '' && !(Number(cvss3) >= 0 && Number(cvss3) <= 10)) {
        problems.push({
          line,
          message: `${cveId}: CVSS3 ${JSON.stringify(cvss3)} is not a score (EPSS kept)`,
        });
      }
    }
    if (seen.has(cveId)) {
      problems.push({ line, message: `${cveId} is listed twice; the first row is kept` });
      continue;
    }
    seen.add(cveId);
    const score: EpssScore = { cveId, epss, percentile, modelVersion };
    if (scoreDate) score.scoreDate = scoreDate;
    scores.push(score);
  }
  if (!header) problems.push({ line: 1, message: 'no header line' });
  return { modelVersion, scoreDate, scores, problems };
}

function headerColumns(fields: string[]): Record<keyof typeof COLUMNS, number> | undefined {
  const names = fields.map((f) => f.trim().toLowerCase());
  const find = (aliases: string[]): number => names.findIndex((n) => aliases.includes(n));
  const columns = {
    cve: find(COLUMNS.cve),
    epss: find(COLUMNS.epss),
    percentile: find(COLUMNS.percentile),
    cvss3: find(COLUMNS.cvss3),
  };
  return columns.cve < 0 || columns.epss < 0 || columns.percentile < 0 ? undefined : columns;
}

/** `#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z` → `{ model_version, score_date }`. */
function parseComment(comment: string): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const part of comment.slice(1).split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) meta[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return meta;
}

function utcDate(value: string): string | undefined {
  if (isCalendarDate(value)) return value;
  const match = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!match || !isCalendarDate(match[1])) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

function probability(value: string | undefined): number | undefined {
  const text = (value ?? '').trim();
  if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(text)) return undefined;
  const n = Number(text);
  return n >= 0 && n <= 1 ? n : undefined;
}
