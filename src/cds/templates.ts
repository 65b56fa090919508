/** The resource type a prefetch template reads or searches: `Observation?patient=...` -> Observation. */
export function templateResourceType(template: string): string {
  return template.split(/[/?]/)[0];
}
