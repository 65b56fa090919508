/**
 * One line naming what is wrong with a value that failed a zod schema, the
 * same everywhere (configuration, knowledge files, trusted issuers, requests,
 * feedback): "context.patientId: Invalid input: expected string, received
 * number; ...". Paths use brackets for array positions (`[0].iss`); the
 * message is zod's and never echoes the request's content. At most `max` issues.
 */
import type { z } from 'zod';

export function zodIssues(error: z.ZodError, max = 5): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${formatPath(i.path)}: ${i.message}`)
    .join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || '(root)'
  );
}
