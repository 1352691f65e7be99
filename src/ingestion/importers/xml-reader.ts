/**
 * A small, strict reader for record-shaped XML such as a Windows event export (`<Events><Event>…</Event>…`).
 * No dependency: the format is regular, and a general XML library would bring DTDs and entity expansion that an
 * event export never needs. Each record is parsed on its own, so one damaged record is one problem and the next
 * record still reads; content between records may only be the XML declaration, comments and the wrapper tags.
 */
import { MAX_RECORD_CHARS, excerpt, lineLocator } from './importer-utils.js';

export interface XmlElement {
  /** Local name (a `prefix:` is dropped). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included, entities decoded), children's text excluded. */
  text: string;
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

export type XmlRecord =
  { line: number; element: XmlElement; raw: string } | { line: number; error: string; raw?: undefined };

/** Deeper than any event record; deeper input would only exhaust the stack. */
const MAX_DEPTH = 32;

/**
 * Yields each `<recordName>` element in document order, and a problem for anything else that is not the
 * wrapper (`<wrapperName>`), the XML declaration, a comment or whitespace, or for a wrapper that never closes.
 */
export function* readXmlRecords(text: string, recordName: string, wrapperName: string): Generator<XmlRecord> {
  const lineAt = lineLocator(text);
  const recordStart = new RegExp(`<${recordName}[\\s>/]`, 'g');
  let pos = 0;
  let wrapper: 'none' | 'open' | 'closed' = 'none';
  let checkGap = true;
  for (;;) {
    recordStart.lastIndex = pos;
    const found = recordStart.exec(text);
    const start = found ? found.index : text.length;
    if (checkGap) {
      const gap = checkBetweenRecords(text, pos, start, wrapperName);
      if (gap.openedWrapper) wrapper = 'open';
      if (gap.closedWrapper) wrapper = 'closed';
      if (gap.badOffset !== undefined) {
        yield {
          line: lineAt(gap.badOffset),
          error: `unexpected content outside <${recordName}> elements: ${excerpt(text.slice(gap.badOffset, gap.badOffset + 60))}`,
        };
      }
    }
    if (!found) break;
    try {
      const parser = new XmlElementParser(text, start, start + MAX_RECORD_CHARS);
      const element = parser.element(0);
      yield { line: lineAt(start), element, raw: text.slice(start, parser.pos) };
      pos = parser.pos;
      checkGap = true;
    } catch (error) {
      if (!(error instanceof XmlSyntaxError)) throw error;
      yield {
        line: lineAt(start),
        error: `<${recordName}> record unreadable: ${error.message} (line ${lineAt(error.offset)})`,
      };
      // The rest of a damaged record is not "content between records": skip to the next record start.
      pos = start + 1;
      checkGap = false;
    }
  }
  // After a damaged last record the file is already reported as broken: no second complaint about the wrapper.
  if (wrapper === 'open' && checkGap) {
    yield {
      line: lineAt(text.trimEnd().length),
      error: `</${wrapperName}> is missing: the file is truncated, records after the last one read may be lost`,
    };
  }
}

function checkBetweenRecords(
  text: string,
  from: number,
  to: number,
  wrapperName: string,
): { badOffset?: number; openedWrapper: boolean; closedWrapper: boolean } {
  let pos = from;
  let openedWrapper = false;
  let closedWrapper = false;
  const skipTo = (terminator: string): boolean => {
    const end = text.indexOf(terminator, pos);
    if (end === -1 || end + terminator.length > to) return false;
    pos = end + terminator.length;
    return true;
  };
  while (pos < to) {
    const c = text[pos];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      pos++;
      continue;
    }
    const start = pos;
    let known = false;
    if (text.startsWith('<?xml', pos)) known = skipTo('?>');
    else if (text.startsWith('<!--', pos)) known = skipTo('-->');
    else if (startsWithTag(text, pos, `<${wrapperName}`)) known = skipTo('>') && (openedWrapper = true);
    else if (startsWithTag(text, pos, `</${wrapperName}`)) known = skipTo('>') && (closedWrapper = true);
    if (!known) return { badOffset: start, openedWrapper, closedWrapper };
  }
  return { openedWrapper, closedWrapper };
}

function startsWithTag(text: string, pos: number, tag: string): boolean {
  if (!text.startsWith(tag, pos)) return false;
  const next = text[pos + tag.length];
  return next === '>' || next === ' ' || next === '\t' || next === '\n' || next === '\r';
}

class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTRIBUTE = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class XmlElementParser {
  pos: number;

  constructor(
    private readonly text: string,
    start: number,
    private readonly limit: number,
  ) {
    this.pos = start;
  }

  private fail(message: string): never {
    throw new XmlSyntaxError(message, Math.min(this.pos, this.text.length));
  }

  private expectWithinLimit(): void {
    if (this.pos > this.limit) this.fail(`record is longer than ${MAX_RECORD_CHARS} characters`);
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) this.fail('expected an element name');
    this.pos += m[0].length;
    const colon = m[0].lastIndexOf(':');
    return colon === -1 ? m[0] : m[0].slice(colon + 1);
  }

  element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) this.fail(`elements nested deeper than ${MAX_DEPTH}`);
    this.pos++; // '<'
    const name = this.name();
    const attributes: Record<string, string> = {};
    for (;;) {
      ATTRIBUTE.lastIndex = this.pos;
      const m = ATTRIBUTE.exec(this.text);
      if (!m) break;
      Object.defineProperty(attributes, m[1], {
        value: this.decode(m[2] ?? m[3] ?? '', this.pos),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.pos += m[0].length;
      this.expectWithinLimit();
    }
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (this.text.startsWith('/>', this.pos)) {
      this.pos += 2;
      return element;
    }
    if (this.text[this.pos] !== '>') this.fail(`malformed start tag <${name}>`);
    this.pos++;
    this.content(element, depth);
    return element;
  }

  private content(element: XmlElement, depth: number): void {
    for (;;) {
      this.expectWithinLimit();
      const lt = this.text.indexOf('<', this.pos);
      if (lt === -1 || lt > this.limit) {
        this.pos = Math.min(this.text.length, this.limit + 1);
        this.expectWithinLimit();
        this.fail(`<${element.name}> never closes: the file is truncated`);
      }
      element.text += this.decode(this.text.slice(this.pos, lt), this.pos);
      this.pos = lt;
      if (this.text.startsWith('</', this.pos)) {
        this.pos += 2;
        const name = this.name();
        while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
        if (name !== element.name) this.fail(`</${name}> closes <${element.name}>`);
        if (this.text[this.pos] !== '>') this.fail(`malformed end tag </${name}>`);
        this.pos++;
        return;
      }
      if (this.text.startsWith('<!--', this.pos)) {
        this.skipPast('-->', 'a comment never closes');
      } else if (this.text.startsWith('<![CDATA[', this.pos)) {
        const end = this.text.indexOf(']]>', this.pos);
        if (end === -1 || end > this.limit) this.fail('a CDATA section never closes');
        element.text += this.text.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.text.startsWith('<?', this.pos)) {
        this.skipPast('?>', 'a processing instruction never closes');
      } else if (this.text.startsWith('<!', this.pos)) {
        this.fail('DOCTYPE and entity declarations are not accepted');
      } else {
        element.children.push(this.element(depth + 1));
      }
    }
  }

  private skipPast(terminator: string, message: string): void {
    const end = this.text.indexOf(terminator, this.pos);
    if (end === -1 || end > this.limit) this.fail(message);
    this.pos = end + terminator.length;
  }

  private decode(raw: string, offset: number): string {
    if (!raw.includes('&')) return raw;
    let out = '';
    let i = 0;
    for (;;) {
      const amp = raw.indexOf('&', i);
      if (amp === -1) return out + raw.slice(i);
      out += raw.slice(i, amp);
      ENTITY.lastIndex = amp;
      const m = ENTITY.exec(raw);
      if (!m) {
        this.pos = offset + amp;
        this.fail('an unknown entity or a bare "&" (write &amp;)');
      }
      const code = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? parseInt(m[3], 16) : undefined;
      if (code !== undefined && code > 0x10ffff) {
        this.pos = offset + amp;
        this.fail('a character reference beyond Unicode');
      }
      out += code === undefined ? NAMED_ENTITIES[m[1]] : String.fromCodePoint(code);
      i = amp + m[0].length;
    }
  }
}
