// Makes strings safe to hand to the host: a lone UTF-16 surrogate cannot be lowered to a WIT string and traps.

// Matched by code unit (no `u` flag), which is what a lone surrogate is.
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_ALL = new RegExp(LONE.source, 'g');

/** Whether `text` holds a lone surrogate: `isWellFormed()` (native, fast) where the engine has it, else the regex. */
function hasLone(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? !native.call(text) : LONE.test(text);
}

/** `text` with every lone surrogate replaced by U+FFFD (for messages, names, labels). */
export function wellFormed(text: string): string {
  return hasLone(text) ? text.replace(LONE_ALL, '\ufffd') : text;
}

/**
 * JSON text of `value` that lowers safely: QuickJS's JSON.stringify leaves lone surrogates raw, so
 * they are escaped as `\uXXXX`, which keeps the value exact (they only occur inside JSON strings).
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return hasLone(text)
    ? text.replace(LONE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}
