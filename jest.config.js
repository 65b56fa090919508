/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Builds dist/ (the service) and dist-dev/ (the dev FHIR server and tools)
  // for the end-to-end tests, which run the compiled code; skipped when no
  // e2e test is selected or nothing changed.
  globalSetup: '<rootDir>/test/global-setup.ts',
  // A throw-away card id key for every test and the services they start (test/setup-env.ts).
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Apps a test file created are released when it ends (test/support/open-apps.ts).
  setupFilesAfterEnv: ['<rootDir>/test/release-apps.ts'],
  testTimeout: 30000,
};
