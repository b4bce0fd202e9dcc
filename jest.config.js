// Jest runs the TypeScript sources as native ES modules (NestJS 12 is ESM-only):
// @swc/jest strips types and keeps decorator metadata, node's --experimental-vm-modules
// (set by `npm test`) lets jest load ESM.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest'] },
  // ESM-only packages that CommonJS dependencies require(): Node 20.19+ allows that, jest's
  // module system does not, so swc turns them into CommonJS when they are required.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/src/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60000,
  maxWorkers: 2,
};
