/**
 * JSON.parse plus the I-JSON rules (RFC 7493) a compliance ledger needs: no duplicate keys (two readers could see
 * two different events), no `__proto__` keys, nesting at most 32 deep, valid UTF-8. Reasons name the problem.
 */
export type StrictJson = { ok: true; value: unknown } | { ok: false; reason: string };

const MAX_DEPTH = 32;

export function parseJsonStrict(text: string): StrictJson {
  if (text === '\u0000invalid-utf8') return { ok: false, reason: 'line is not valid UTF-8' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  const problem = scanKeys(text);
  if (problem) return { ok: false, reason: problem };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'each line must be one JSON object' };
  }
  return { ok: true, value };
}

/** A small scanner over the (already valid) JSON text: tracks object keys per nesting level. */
function scanKeys(text: string): string | null {
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{') {
      stack.push(new Set());
      if (stack.length > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      expectKey = true;
      i++;
    } else if (ch === '[') {
      stack.push(null);
      if (stack.length > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      expectKey = false;
      i++;
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      i++;
    } else if (ch === ',') {
      expectKey = stack.at(-1) instanceof Set;
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack.at(-1) as Set<string>;
        if (key === '__proto__') return 'key "__proto__" is not allowed';
        if (keys.has(key)) return `duplicate key "${key}"`;
        keys.add(key);
        expectKey = false;
      }
      i = j + 1;
    } else {
      i++;
    }
  }
  return null;
}
