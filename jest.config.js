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
  testTimeout: 30000,
};
