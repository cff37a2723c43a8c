// Turns zod issues into one short line (`path: message; …`) for error bodies.
import type * as z from 'zod/mini';

const MAX_ISSUES = 5;

export function summarizeIssues(error: z.core.$ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(root)' : path}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
