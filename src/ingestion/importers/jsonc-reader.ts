/**
 * JSON, plus the two liberties of JSON-with-comments that API docs and hand-edited exports take: `//` and
 * `/* *\/` comments and a trailing comma before `]` or `}`. Nothing else is relaxed (a missing comma is an
 * error). Written as a small parser rather than "strip, then JSON.parse" so that every object knows the line it
 * starts on: a problem in record 40 of a response is reported at its line, not at "position 18211".
 */
import type { ImportOutcome } from '../patch-event.js';
import { excerpt, lineLocator, runImport, stripBom, type ImportCollector } from './importer-utils.js';

export interface JsoncDocument {
  value: unknown;
  /**
   * Line where an object or array of this document starts, or where its property `key` / element `index` is
   * written (1 if unknown).
   */
  lineOf(node: unknown, keyOrIndex?: string | number): number;
}

/** Deeper than any real API response; deeper input would only exhaust the stack. */
const MAX_DEPTH = 128;

export type JsoncResult = { ok: true; value: JsoncDocument } | { ok: false; message: string; line: number };

export function parseJsonc(input: string): JsoncResult {
  const text = stripBom(input);
  const parser = new JsoncParser(text);
  try {
    const value = parser.document();
    return { ok: true, value: { value, lineOf: (node, keyOrIndex) => parser.lineOf(node, keyOrIndex) } };
  } catch (error) {
    if (error instanceof JsoncSyntaxError) return { ok: false, message: error.message, line: error.line };
    throw error;
  }
}

/** Runs a JSON-format import: a document that does not parse is one problem, at the line where it breaks. */
export function runJsonImport(
  input: string,
  body: (doc: JsoncDocument, collector: ImportCollector) => void,
): ImportOutcome {
  return runImport(input, (collector) => {
    const parsed = parseJsonc(input);
    if (parsed.ok) body(parsed.value, collector);
    else collector.problem(parsed.line, parsed.message);
  });
}

class JsoncSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

class JsoncParser {
  private pos = 0;
  private readonly lineAt: (offset: number) => number;
  private readonly starts = new WeakMap<object, number>();
  private readonly keyLines = new WeakMap<object, Map<string | number, number>>();

  constructor(private readonly text: string) {
    this.lineAt = lineLocator(text);
  }

  lineOf(node: unknown, keyOrIndex?: string | number): number {
    if (typeof node !== 'object' || node === null) return 1;
    if (keyOrIndex !== undefined) {
      const line = this.keyLines.get(node)?.get(keyOrIndex);
      if (line !== undefined) return line;
    }
    return this.starts.get(node) ?? 1;
  }

  document(): unknown {
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private fail(message: string): never {
    const line = this.lineAt(this.pos);
    const found =
      this.pos < this.text.length ? ` at ${excerpt(this.text.slice(this.pos, this.pos + 20))}` : '';
    throw new JsoncSyntaxError(`invalid JSON at line ${line}: ${message}${found}`, line);
  }

  private skipSpace(): void {
    const text = this.text;
    for (;;) {
      const c = text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/' && text[this.pos + 1] === '/') {
        while (this.pos < text.length && text[this.pos] !== '\n' && text[this.pos] !== '\r') this.pos++;
      } else if (c === '/' && text[this.pos + 1] === '*') {
        const end = text.indexOf('*/', this.pos + 2);
        if (end === -1) this.fail('a /* comment never closes');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === undefined) this.fail('unexpected end of input (truncated?)');
    const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    literal.lastIndex = this.pos;
    const m = literal.exec(this.text);
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return Number(m[0]);
  }

  private string(): string {
    const start = this.pos;
    let end = start + 1;
    for (;;) {
      const quote = this.text.indexOf('"', end);
      if (quote === -1) this.fail('a string never closes (truncated?)');
      let backslashes = 0;
      while (this.text[quote - 1 - backslashes] === '\\') backslashes++;
      end = quote + 1;
      if (backslashes % 2 === 0) break;
    }
    try {
      const value = JSON.parse(this.text.slice(start, end)) as string;
      this.pos = end;
      return value;
    } catch {
      return this.fail('invalid string (control character or bad escape)');
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    const elements = new Map<number, number>();
    this.starts.set(result, this.lineAt(this.pos));
    this.keyLines.set(result, elements);
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      elements.set(result.length, this.lineAt(this.pos));
      result.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.fail("expected ',' or ']'");
    }
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const keys = new Map<string | number, number>();
    this.starts.set(result, this.lineAt(this.pos));
    this.keyLines.set(result, keys);
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      if (this.text[this.pos] !== '"') this.fail('expected a "key" or \'}\'');
      const keyLine = this.lineAt(this.pos);
      const key = this.string();
      keys.set(key, keyLine);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      // defineProperty, as JSON.parse does: a "__proto__" key is data, never the prototype.
      Object.defineProperty(result, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail("expected ',' or '}'");
    }
  }
}

/** Plain-object check for records read from JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string property, trimmed; numbers are accepted as their decimal text (ids are written both ways). */
export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
