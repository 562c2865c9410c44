import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LogVerifier } from '../audit/log-verifier';
import { say, type WithApp } from './cli-context';

export const registerVerify = (program: Command, withApp: WithApp): void => {
  program
    .command('verify')
    .description('walk every hash chain and signed checkpoint; exits with 1 and names each altered event when the log was tampered with')
    .option('--json', 'print the whole report as JSON on stdout')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const bar = new SingleBar(
          { format: 'verify [{bar}] {percentage}% | {speed} events/s | ETA {eta_formatted}', noTTYOutput: true, notTTYSchedule: 2000, stream: process.stderr },
          Presets.shades_classic,
        );
        const started = Date.now();
        bar.start(1, 0, { speed: 0 });
        const report = await app.get(LogVerifier).verify((done, total) => {
          bar.setTotal(Math.max(total, 1));
          bar.update(done, { speed: Math.round(done / 2 / Math.max(0.001, (Date.now() - started) / 1000)) });
        });
        bar.stop();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          const lines = [
            report.ok ? 'ok: nothing in the log was altered' : `NOT OK: ${report.problemCount} problem(s); first bad position ${report.firstBadPosition ?? '(none: see below)'}`,
            `${report.eventsChecked} events in ${report.streamsChecked} streams, ${report.checkpointsChecked} checkpoints (covering ${report.eventsUnderCheckpoints} events)`,
            `${report.seconds.toFixed(2)} s, ${report.eventsPerSecond} events/s`,
            ...report.problems.map((p) => `  ${p.code.padEnd(20)} ${p.reason}`),
            ...report.notes.map((note) => `note: ${note}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (!report.ok) {
          say('The log differs from what was written. Compare with your last export (tools/verify-export.mjs) before anything else changes.');
          process.exitCode = 1;
        }
      });
    });
};
