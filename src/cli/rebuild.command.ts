import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ProjectionRegistry } from '../projections/projection-registry';
import { DEFAULT_BATCH, ProjectionRebuilder } from '../projections/rebuild';
import { say, type WithApp } from './cli-context';

export const registerRebuild = (program: Command, withApp: WithApp): void => {
  program
    .command('rebuild [projection]')
    .description('rebuild a projection from the first event into fresh tables while the API keeps serving, then swap them in')
    .option('--all', 'rebuild every projection')
    .option('--batch <n>', 'events per transaction', String(DEFAULT_BATCH))
    .action(async (name: string | undefined, options: { all?: boolean; batch: string }) => {
      await withApp(async (app) => {
        const registry = app.get(ProjectionRegistry);
        if (!name && !options.all) {
          throw new Error(`Name a projection or pass --all; projections: ${registry.all().map((d) => d.name).join(', ')}.`);
        }
        const batchSize = Number(options.batch);
        if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch must be a positive whole number, not "${options.batch}".`);
        const definitions = options.all ? registry.all() : [registry.get(name ?? '')];
        for (const definition of definitions) {
          const bar = new SingleBar(
            {
              format: `${definition.name.padEnd(14)} [{bar}] {percentage}% {value}/{total} events | {speed} events/s | ETA {eta_formatted}`,
              noTTYOutput: true,
              notTTYSchedule: 2000,
              stream: process.stderr,
            },
            Presets.shades_classic,
          );
          const started = Date.now();
          bar.start(1, 0, { speed: 0 });
          const result = await app.get(ProjectionRebuilder).rebuild(definition, {
            batchSize,
            progress: (done, total) => {
              bar.setTotal(total);
              bar.update(done, { speed: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
            },
          });
          bar.stop();
          say(`${definition.name}: ${result.events} events in ${result.seconds.toFixed(1)} s (${Math.round(result.events / Math.max(result.seconds, 0.001))} events/s)${result.resumed ? ', resumed' : ''}; swapped in`);
        }
      });
    });
};
