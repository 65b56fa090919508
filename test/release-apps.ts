/**
 * After each test file: release the apps it created (test/support/open-apps.ts),
 * then remove its temporary folders (test/support/temp.ts).
 */
import { releaseOpenApps } from './support/open-apps';
import { removeTempDirs } from './support/temp';

afterAll(async () => {
  await releaseOpenApps();
  removeTempDirs();
});
