/**
 * The floors of STYLE.md ("Floors: who may import whom"), checked on every `npm run lint`.
 * Lower floors never import upward; feature folders meet only through queries on the bus
 * (src/common/queries.ts). Type-only imports count: a floor that needs a type from above is
 * still leaning on it.
 *
 *   1  common, config                 pure types and helpers
 *   2  database, event-store          storage, no domain words
 *   3  projections; auth, idempotency runner and checkpoints; HTTP plumbing the features use
 *   4  claims, stories, sources, audit feature modules; health (an HTTP module, no domain)
 *   5  wiring, imported by nothing below it: the top-level files (app.module.ts, main.ts,
 *      bootstrap.ts, cli.ts), cli/ (the CLI's commands) and import/ (the sample importer,
 *      which sends the features' commands)
 */
const FEATURES = '(claims|stories|sources|audit|live)';
const FLOORS = '(common|config|database|event-store|projections|auth|idempotency|health|claims|stories|sources|audit|live|import|cli)';
const TESTS = '(^test/|\\.spec\\.ts$|\\.int-spec\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'common-imports-no-src',
      comment: 'src/common is the ground floor: pure types and helpers, nothing else from src/.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'config-imports-only-common',
      comment: 'src/config is the ground floor: it may use src/common, nothing else from src/.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|common)/' },
    },
    {
      name: 'database-imports-only-common-config',
      severity: 'error',
      from: { path: '^src/database/' },
      to: { path: '^src/', pathNot: '^src/(database|common|config)/' },
    },
    {
      name: 'event-store-imports-only-lower-floors',
      comment: 'The event store knows no domain words: only common, config and database.',
      severity: 'error',
      from: { path: '^src/event-store/' },
      to: { path: '^src/', pathNot: '^src/(event-store|common|config|database)/' },
    },
    {
      name: 'projections-import-only-lower-floors',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: '^src/', pathNot: '^src/(projections|common|config|database|event-store)/' },
    },
    {
      name: 'cross-cutting-import-only-lower-floors',
      comment:
        'src/auth and src/idempotency are HTTP plumbing the features use (guards, interceptors): ' +
        'they stand on the same floor as projections and never reach into a feature or each other.',
      severity: 'error',
      from: { path: '^src/(auth|idempotency)/' },
      to: { path: '^src/', pathNot: '^src/($1|common|config|database|event-store|projections)/' },
    },
    {
      name: 'features-do-not-import-each-other',
      comment: `Feature folders meet through a query on the bus (src/common/queries.ts), never through each other's files.`,
      severity: 'error',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FEATURES}/`, pathNot: '^src/$1/' },
    },
    {
      name: 'health-imports-no-feature',
      severity: 'error',
      from: { path: '^src/health/' },
      to: { path: `^src/${FEATURES}/` },
    },
    {
      name: 'nothing-below-wiring-imports-wiring',
      comment: 'Top-level src/*.ts files, src/cli/ and src/import/ put the features together; no floor imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: ['^src/(import|cli)/', TESTS] },
      to: { path: '^src/(import/|cli/|[^/]+\\.ts$)' },
    },
    {
      name: 'folder-not-on-a-floor',
      comment: 'A new folder under src/ has no floor yet: add it to the list above and give it a rule.',
      severity: 'warn',
      from: { path: `^src/(?!${FLOORS}/)[^/]+/` },
      to: { path: '^src/' },
    },
    {
      name: 'no-import-of-entry-points',
      comment: 'main.ts and cli.ts are wiring only: nothing imports them.',
      severity: 'error',
      from: {},
      to: { path: '^src/(main|cli)\\.ts$' },
    },
    {
      name: 'app-module-is-wiring-only',
      comment: 'Only the wiring (top-level src/*.ts, src/cli/) and tests that boot the app import it.',
      severity: 'error',
      from: { pathNot: ['^src/[^/]+\\.ts$', '^src/cli/', TESTS] },
      to: { path: '^src/app\\.module\\.ts$' },
    },
    {
      name: 'deciders-are-pure',
      comment:
        'A decider imports only ../common/decider, ../common/domain-error and its own *.errors.ts: ' +
        'no @nestjs, typeorm, pg, node built-ins or other project files.',
      severity: 'error',
      from: { path: '^src/([^/]+)/[^/]+\\.decider\\.ts$' },
      to: { pathNot: ['^src/common/(decider|domain-error)\\.ts$', '^src/$1/[^/]+\\.errors\\.ts$'] },
    },
    {
      name: 'deciders-reach-no-framework',
      comment: 'Not even through a helper: nothing a decider loads may pull in @nestjs, typeorm or pg.',
      severity: 'error',
      from: { path: '\\.decider\\.ts$' },
      to: { path: 'node_modules/(@nestjs/|typeorm/|pg/)', reachable: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing: a typo, a deleted file or a package missing from package.json.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-deps-in-production-code',
      comment: 'The runtime image installs with --omit=dev: code that ships may not load a devDependency.',
      severity: 'error',
      from: { path: '^(src|migrations)/', pathNot: [TESTS, '^src/common/given-when-then\\.ts$'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    // node_modules is not cruised (doNotFollow), but edges into it stay in the graph: an `exclude`
    // would drop them and with them the decider and devDependency rules above.
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
