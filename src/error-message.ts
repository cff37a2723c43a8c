// The message of anything thrown: an Error's message, else the thrown value as text.

/** `error.message` for an Error, `String(error)` for anything else (a thrown string, a rejected number). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
