import 'reflect-metadata';
import { Command } from 'commander';
import { withApp } from './cli/cli-context';
import { registerImport } from './cli/import.command';
import { registerKeys } from './cli/keys.command';
import { registerCheckpoint } from './cli/checkpoint.command';
import { registerExport } from './cli/export.command';
import { registerRebuild } from './cli/rebuild.command';
import { registerVerify } from './cli/verify.command';

const program = new Command('claimtrail').description('Claimtrail administration: npm run cli -- <command>');
registerImport(program, withApp);
registerKeys(program, withApp);
registerRebuild(program, withApp);
registerVerify(program, withApp);
registerExport(program, withApp);
registerCheckpoint(program, withApp);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`claimtrail: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
