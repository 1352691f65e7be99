/**
 * RFC 4180 CSV: quoted fields with commas, line breaks and doubled quotes inside, CRLF or LF. Strict where
 * a lenient reader would guess: text after a closing quote, or a quote that never closes, is a problem for
 * that record, and reading resumes at the next line.
 */
import { MAX_RECORD_CHARS, stripBom, type ImportCollector } from './importer-utils.js';

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

export function* readCsv(input: string, delimiter = ','): Generator<CsvRecord> {
  const text = stripBom(input);
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const startLine = line;
    const start = pos;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      if (text[pos] === '"') {
        const field = readQuoted(text, pos + 1);
        if (field === undefined) {
          error = 'a quoted field never closes (truncated file or a stray quote)';
          break;
        }
        fields.push(field.value);
        line += field.newlines;
        pos = field.end;
        if (pos < text.length && text[pos] !== delimiter && text[pos] !== '\n' && text[pos] !== '\r') {
          error = 'text after a closing quote: quotes inside a field must be doubled ("")';
          break;
        }
      } else {
        let end = pos;
        while (end < text.length && text[end] !== delimiter && text[end] !== '\n' && text[end] !== '\r')
          end++;
        const value = text.slice(pos, end);
        if (value.includes('"')) {
          error = 'a quote inside an unquoted field: quote the field and double the quote';
          pos = end;
          break;
        }
        fields.push(value);
        pos = end;
      }
      if (text[pos] === delimiter) {
        pos++;
        continue;
      }
      break;
    }
    if (error === undefined && pos - start > MAX_RECORD_CHARS) {
      error = `record is ${pos - start} characters long (limit ${MAX_RECORD_CHARS}): not a record of this format`;
    }
    if (error !== undefined) {
      // Resynchronise at the next physical line; a quote that never closed swallows the rest, reported once.
      const next = nextLineStart(text, error.startsWith('a quoted field') ? text.length : pos);
      line = startLine + countLineBreaks(text, start, next);
      pos = next;
      yield { line: startLine, error };
      continue;
    }
    pos = skipLineBreak(text, pos);
    line += 1;
    // A blank line is no record (a trailing newline, or spacing in a hand-made file).
    if (fields.length === 1 && fields[0] === '') continue;
    yield { line: startLine, fields };
  }
}

function readQuoted(
  text: string,
  from: number,
): { value: string; end: number; newlines: number } | undefined {
  let value = '';
  let pos = from;
  for (;;) {
    const quote = text.indexOf('"', pos);
    if (quote === -1) return undefined;
    value += text.slice(pos, quote);
    if (text[quote + 1] === '"') {
      value += '"';
      pos = quote + 2;
      continue;
    }
    return { value, end: quote + 1, newlines: countLineBreaks(text, from, quote) };
  }
}

function skipLineBreak(text: string, pos: number): number {
  if (text[pos] === '\r' && text[pos + 1] === '\n') return pos + 2;
  if (text[pos] === '\r' || text[pos] === '\n') return pos + 1;
  return pos;
}

function nextLineStart(text: string, pos: number): number {
  let end = pos;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return skipLineBreak(text, end);
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) count++;
  }
  return count;
}

/** Column positions by header name, exact first, then ignoring case and surrounding spaces. */
export function headerIndex(header: string[]): (name: string) => number | undefined {
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  header.forEach((name, i) => {
    if (!exact.has(name)) exact.set(name, i);
    const key = name.trim().toLowerCase();
    if (!loose.has(key)) loose.set(key, i);
  });
  return (name) => exact.get(name) ?? loose.get(name.trim().toLowerCase());
}

export interface CsvRow {
  line: number;
  fields: string[];
  /** Header name → cell, kept as the event's `raw`. */
  raw: Record<string, string>;
  value(name: string): string | undefined;
}

export interface CsvTableOptions {
  delimiter?: string;
  /** A problem message if the header cannot serve (reading stops), else undefined. */
  checkHeader(column: (name: string) => number | undefined, header: string[]): string | undefined;
}

/**
 * A CSV with a header row: yields each data row of the header's width; unreadable rows and rows of another
 * width go to the collector as problems. `read` counts data rows.
 */
export function* readCsvTable(
  input: string,
  collector: ImportCollector,
  options: CsvTableOptions,
): Generator<CsvRow> {
  let header: string[] | undefined;
  let column: (name: string) => number | undefined = () => undefined;
  for (const record of readCsv(input, options.delimiter)) {
    if (header) collector.read += 1;
    if ('error' in record) {
      collector.problem(record.line, record.error);
      continue;
    }
    if (!header) {
      header = record.fields;
      column = headerIndex(header);
      const problem = options.checkHeader(column, header);
      if (problem !== undefined) {
        collector.problem(record.line, problem);
        return;
      }
      continue;
    }
    const fields = record.fields;
    if (fields.length !== header.length) {
      collector.problem(record.line, `row has ${fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const names = header;
    const raw: Record<string, string> = {};
    names.forEach((name, i) => Object.defineProperty(raw, name, { value: fields[i], enumerable: true }));
    yield {
      line: record.line,
      fields,
      raw,
      value: (name) => {
        const index = column(name);
        return index === undefined ? undefined : fields[index];
      },
    };
  }
}

/** The usual header check: these columns must exist. */
export function requireColumns(required: readonly string[], what: string): CsvTableOptions['checkHeader'] {
  return (column) => {
    const missing = required.filter((name) => column(name) === undefined);
    return missing.length > 0 ? `not ${what}: no column ${missing.join(', ')}` : undefined;
  };
}
