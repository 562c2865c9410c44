import { CommandBus } from '@nestjs/cqrs';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { importStory, readStoryImport } from '../import/story-importer';
import { say, type WithApp } from './cli-context';

export const registerImport = (program: Command, withApp: WithApp): void => {
  program
    .command('import <file>')
    .description('import a story with its sources, claims, citations, verdicts and relations (e.g. data/sample-story.json)')
    .option('--actor <name>', 'who the events are recorded as', 'cli-import')
    .action(async (file: string, options: { actor: string }) => {
      const data = readStoryImport(file);
      const bar = new SingleBar({ format: 'import [{bar}] {value}/{total} {step}', noTTYOutput: true, notTTYSchedule: 1000, stream: process.stderr }, Presets.shades_classic);
      await withApp(async (app) => {
        bar.start(1, 0, { step: '' });
        const result = await importStory(app.get(CommandBus), data, { actor: options.actor, role: 'editor', now: new Date().toISOString() }, (done, total, step) => {
          bar.setTotal(total);
          bar.update(done, { step });
        });
        bar.stop();
        say(`imported story ${result.storyId}: ${result.sources} sources, ${result.claims} claims`);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      });
    });
};
