/**
 * One line naming what is wrong with a value that failed a zod schema, e.g.
 * "Invalid input: expected string, received number at context.patientId".
 * zod's own wording (z.prettifyError), folded onto one line and capped; it
 * never echoes the offending content.
 */
import { z } from 'zod';

export function zodIssues(error: z.ZodError, max = 5): string {
  return z
    .prettifyError(error)
    .replace(/\n\s*→ at /g, ' at ')
    .split('\n')
    .map((line) => line.replace(/^✖\s*/, '').trim())
    .filter(Boolean)
    .slice(0, max)
    .join('; ');
}
