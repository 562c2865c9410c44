import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LogExporter } from '../audit/log-export';
import { say, type WithApp } from './cli-context';

export const registerExport = (program: Command, withApp: WithApp): void => {
  program
    .command('export')
    .description('write the log, the stream rows and the signed checkpoints as NDJSON, for off-site keeping; check it with tools/verify-export.mjs')
    .option('--out <file>', 'write to this new file instead of stdout')
    .action(async (options: { out?: string }) => {
      await withApp(async (app) => {
        const out = options.out ? createWriteStream(options.out, { flags: 'wx' }) : process.stdout;
        if (options.out) {
          await new Promise<void>((resolve, reject) => {
            out.once('open', () => resolve());
            out.once('error', (error: NodeJS.ErrnoException) =>
              reject(error.code === 'EEXIST' ? new Error(`${options.out} already exists; an export never overwrites one. Choose another name.`) : error),
            );
          });
        }
        const bar = new SingleBar(
          { format: 'export [{bar}] {percentage}% {value}/{total} events', noTTYOutput: true, notTTYSchedule: 2000, stream: process.stderr },
          Presets.shades_classic,
        );
        bar.start(1, 0);
        const summary = await app.get(LogExporter).export(out, (done, total) => {
          bar.setTotal(Math.max(total, 1));
          bar.update(done);
        });
        bar.stop();
        if (options.out) {
          out.end();
          await finished(out);
        }
        say(`exported ${summary.events} events, ${summary.streams} streams and ${summary.checkpoints} checkpoints${options.out ? ` to ${options.out}` : ''}`);
      });
    });
};
