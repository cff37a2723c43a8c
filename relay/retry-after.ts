// Reads an HTTP Retry-After header (seconds or an HTTP date) as milliseconds: the apiserver's and the worker's answers both carry it.

/** Retry-After in seconds or as an HTTP date, to milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
