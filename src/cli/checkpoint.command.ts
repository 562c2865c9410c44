import type { Command } from 'commander';
import { Checkpoints } from '../audit/checkpoints';
import { say, type WithApp } from './cli-context';

export const registerCheckpoint = (program: Command, withApp: WithApp): void => {
  program
    .command('checkpoint')
    .description('sign a checkpoint now over every event not yet covered')
    .action(async () => {
      await withApp(async (app) => {
        const signed = await app.get(Checkpoints).sign(1);
        if (signed.length === 0) say('nothing new to sign: every committed event is already under a checkpoint');
        for (const c of signed) {
          process.stdout.write(`${JSON.stringify(c)}\n`);
          say(`signed checkpoint #${c.seq} over ${c.treeSize} events (up to position ${c.lastPosition}) with key ${c.publicKey}`);
        }
      });
    });
};
