import type { Command } from 'commander';
import { ApiKeys } from '../auth/api-keys.service';
import { DESK_GRANT, EVERY_DESK } from '../common/access';
import { ROLE_RANK, type Role } from '../common/decider';
import { say, type WithApp } from './cli-context';

const ROLES = Object.keys(ROLE_RANK) as Role[];

export const registerKeys = (program: Command, withApp: WithApp): void => {
  const keys = program.command('keys').description('create, list and revoke API keys');
  keys
    .command('create')
    .requiredOption('--name <name>', 'who the key belongs to; recorded as the actor of every change made with it')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--desks <desks>', `comma-separated desks the holder works on, home desk first; "${EVERY_DESK}" is every desk (required except for admins)`)
    .action(async (options: { name: string; role: string; desks?: string }) => {
      if (!ROLES.includes(options.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}.`);
      const desks = (options.desks ?? '').split(',').map((desk) => desk.trim()).filter((desk) => desk !== '');
      const bad = desks.find((desk) => !DESK_GRANT.test(desk));
      if (bad !== undefined) throw new Error(`--desks: "${bad}" is not a desk name (lowercase letters, digits and "-", or "${EVERY_DESK}").`);
      if (desks.length === 0 && options.role !== 'admin') throw new Error('--desks is required for this role, e.g. --desks world or --desks world,politics.');
      await withApp(async (app) => {
        const created = await app.get(ApiKeys).create(options.name, options.role as Role, desks);
        say(`created key ${created.id} for ${options.name} (${options.role}${desks.length > 0 ? `, desks ${desks.join(', ')}` : ''}); the token is shown only now:`);
        process.stdout.write(`${created.token}\n`);
      });
    });
  keys
    .command('list')
    .action(() =>
      withApp(async (app) => {
        for (const key of await app.get(ApiKeys).list()) {
          process.stdout.write(`${key.id}  ${key.role.padEnd(8)} ${key.name.padEnd(24)} ${key.desks.join(',').padEnd(16)} ${key.revokedAt ? `revoked ${key.revokedAt}` : `last used ${key.lastUsedAt ?? 'never'}`}\n`);
        }
      }),
    );
  keys
    .command('revoke <idOrName>')
    .action((idOrName: string) =>
      withApp(async (app) => {
        const revoked = await app.get(ApiKeys).revoke(idOrName);
        if (revoked === 0) throw new Error(`No active key has the id or name "${idOrName}"; see "npm run cli -- keys list".`);
        say(`revoked ${revoked} key(s)`);
      }),
    );
};
