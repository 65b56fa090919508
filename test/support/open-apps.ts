/**
 * Apps the tests create in this process (makeTestApp), released after each
 * test file (test/release-apps.ts): their card stores closed and their last
 * issuance counts written while the file's environment still exists, so no
 * timer or store of one file outlives it into the next.
 */
export const openApps = new Set<() => Promise<void>>();

export async function releaseOpenApps(): Promise<void> {
  const releases = [...openApps];
  openApps.clear();
  await Promise.all(releases.map((release) => release()));
}
