/** The `next` link of a search Bundle (FHIR paging), if it has one. */
export function nextLink(bundle: object): string | undefined {
  const links = (bundle as { link?: unknown }).link;
  if (!Array.isArray(links)) return undefined;
  for (const l of links) {
    if (typeof l === 'object' && l !== null && (l as { relation?: unknown }).relation === 'next' && typeof (l as { url?: unknown }).url === 'string') {
      return (l as { url: string }).url;
    }
  }
  return undefined;
}
