/** After each test file: release the apps it created (test/support/open-apps.ts). */
import { releaseOpenApps } from './support/open-apps';

afterAll(releaseOpenApps);
