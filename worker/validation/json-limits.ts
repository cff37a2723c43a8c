// Finds JSON the protocol cannot carry, in one pass over the text BEFORE JSON.parse: nesting deeper than a
// limit, and numbers no 64-bit float holds (`1e400` parses to Infinity, which a component sees as null).
//
// Why before parsing: V8's JSON.parse is iterative, so deep nesting does not overflow its stack, but a
// 4 MiB body of `[[[[…` costs it about a second of CPU; this scan costs a few milliseconds and stops at
// the first level over the limit. It keeps one frame per open container (at most the limit), no recursion.
// It does not check syntax: JSON.parse does that next.

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

export type JsonLimitViolation =
  | { kind: 'too_deep'; maxDepth: number; path: PathSegment[] }
  | { kind: 'number_out_of_range'; literal: string; path: PathSegment[] };

interface Frame {
  array: boolean;
  /** Index of the current element (arrays). */
  index: number;
  /** Where the current member's key starts and ends in the text, quotes included (objects); -1 before one. */
  keyStart: number;
  keyEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** A float64 holds every decimal integer of up to 308 digits; anything longer, or with an exponent, is checked. */
const SAFE_DIGITS = 308;

function isNumberChar(c: number): boolean {
  return (
    (c >= DIGIT_0 && c <= DIGIT_9) || c === DOT || c === MINUS || c === PLUS || c === LOWER_E || c === UPPER_E
  );
}

/** Index of the quote that closes the string opening at `open`, or `text.length` if it never closes. */
function stringEnd(text: string, open: number): number {
  let at = open + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

function pathOf(text: string, frames: readonly Frame[]): PathSegment[] {
  return frames.map((f): PathSegment => {
    if (f.array) return f.index;
    if (f.keyStart < 0) return '?';
    try {
      const key: unknown = JSON.parse(text.slice(f.keyStart, f.keyEnd));
      return typeof key === 'string' ? key : '?';
    } catch {
      return '?';
    }
  });
}

/** The first violation in `text`, or undefined. Depth counts containers: `{}` is 1, `{"a":[]}` is 2. */
export function findJsonLimitViolation(text: string, maxDepth: number): JsonLimitViolation | undefined {
  const frames: Frame[] = [];
  let lastStringStart = -1;
  let lastStringEnd = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      lastStringStart = i;
      lastStringEnd = end + 1;
      i = end;
    } else if (c === LBRACE || c === LBRACKET) {
      if (frames.length >= maxDepth) return { kind: 'too_deep', maxDepth, path: pathOf(text, frames) };
      frames.push({ array: c === LBRACKET, index: 0, keyStart: -1, keyEnd: -1 });
    } else if (c === RBRACE || c === RBRACKET) {
      frames.pop();
    } else if (c === COLON) {
      const top = frames.at(-1);
      if (top && !top.array) {
        top.keyStart = lastStringStart;
        top.keyEnd = lastStringEnd;
      }
    } else if (c === COMMA) {
      const top = frames.at(-1);
      if (top?.array) top.index++;
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      let end = i + 1;
      let exponent = false;
      while (end < n && isNumberChar(text.charCodeAt(end))) {
        const d = text.charCodeAt(end);
        if (d === LOWER_E || d === UPPER_E) exponent = true;
        end++;
      }
      if (exponent || end - i > SAFE_DIGITS) {
        const literal = text.slice(i, end);
        const value = Number(literal);
        // NaN is a syntax error (`1e`), left to JSON.parse.
        if (value === Infinity || value === -Infinity)
          return { kind: 'number_out_of_range', literal, path: pathOf(text, frames) };
      }
      i = end - 1;
    }
  }
  return undefined;
}

const MAX_SEGMENT = 40;
const HEAD = 6;
const TAIL = 2;

/** `primary.spec.size`; long keys and long paths shortened, so a hostile body cannot make a huge message. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  const shown = path.map((s) =>
    typeof s === 'number' ? String(s) : s.length > MAX_SEGMENT ? `${s.slice(0, MAX_SEGMENT)}…` : s,
  );
  if (shown.length <= HEAD + TAIL + 1) return shown.join('.');
  return [...shown.slice(0, HEAD), `…(${shown.length - HEAD - TAIL} more)…`, ...shown.slice(-TAIL)].join('.');
}
