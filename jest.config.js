// Jest runs the TypeScript tests as native ES modules: @swc/jest strips types, node's
// --experimental-vm-modules (set by `npm test`) lets jest load ESM. The server under test
// runs as its own process from dist/ (see test/support/test-app.ts), never inside jest.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Unit specs load the guard package from its source, as type-checking does.
    '^@portcullis/nest-resource-server$': '<rootDir>/packages/nest-resource-server/src/index.ts',
  },
  testMatch: [
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/packages/*/src/**/*.spec.ts',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60000,
  maxWorkers: 2,
};
