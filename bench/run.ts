import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Measure, Options, Scenario } from './lib/scenario';
import { startBenchServer } from './lib/server';
import { median } from './lib/stats';
import { growthScenarios } from './scenarios/growth';
import { httpScenarios } from './scenarios/http';
import { replayScenarios } from './scenarios/replay';
import { storeScenarios } from './scenarios/store';

const SCENARIOS: Scenario[] = [...storeScenarios, ...replayScenarios, ...httpScenarios, ...growthScenarios];

const USAGE = `npm run bench [-- options]
  --only a,b        scenarios by name (${SCENARIOS.map((s) => s.name).join(', ')})
  --group g,h       scenario groups (${[...new Set(SCENARIOS.map((s) => s.group))].join(', ')})
  --rounds n        rounds per scenario, medians reported (default 3)
  --duration s      measured seconds per run (default 5), --warmup s (default 1)
  --replay-events n events for catch-up and rebuild (default 1000000)
  --growth-sizes a,b,c  store sizes for growth (default 10000,1000000; add 10000000 for the full issue run)
  --http-seconds s  autocannon seconds per run (default 10), --connections n (default 64)
  --smoke           every scenario in seconds: 1 round, tiny sizes (CI)
  --list            list the scenarios
Against DATABASE_URL when set, else a throwaway embedded PostgreSQL under the system temp folder.`;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    group: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'replay-events': { type: 'string' },
    'growth-sizes': { type: 'string' },
    'http-seconds': { type: 'string' },
    connections: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const numberOf = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
const smoke = args.smoke ?? false;
const options: Options = {
  smoke,
  rounds: numberOf(args.rounds, smoke ? 1 : 3),
  durationMs: numberOf(args.duration, smoke ? 0.3 : 5) * 1000,
  warmupMs: numberOf(args.warmup, smoke ? 0.1 : 1) * 1000,
  replayEvents: numberOf(args['replay-events'], smoke ? 2000 : 1_000_000),
  growthSizes: (args['growth-sizes'] ?? (smoke ? '1000,3000' : '10000,1000000')).split(',').map(Number),
  httpSeconds: numberOf(args['http-seconds'], smoke ? 1 : 10),
  connections: numberOf(args.connections, 64),
};

const fmt = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Summary {
  readonly scenario: string;
  readonly group: string;
  readonly what: string;
  readonly subject: string;
  readonly baseline?: string;
  readonly goal?: string;
  readonly met?: boolean;
  /** Median over rounds of subject / baseline (of `value`; for lower-is-better units, baseline / subject). */
  readonly ratio?: number;
  readonly variants: Record<string, { unit: string; value: number; p50?: number; p99?: number; rounds: number[] }>;
  readonly rounds: Measure[][];
}

const summarize = (scenario: Scenario, rounds: Measure[][]): Summary => {
  const variants: Summary['variants'] = {};
  for (const measure of rounds.flat()) {
    const v = (variants[measure.variant] ??= { unit: measure.unit, value: 0, rounds: [] });
    v.rounds.push(measure.value);
  }
  for (const [name, v] of Object.entries(variants)) {
    const of = (pick: (m: Measure) => number | undefined) => median(rounds.flat().filter((m) => m.variant === name).map((m) => pick(m) ?? Number.NaN));
    v.value = median(v.rounds);
    v.p50 = of((m) => m.p50);
    v.p99 = of((m) => m.p99);
  }
  let ratio: number | undefined;
  if (scenario.baseline) {
    ratio = median(
      rounds.map((round) => {
        const subject = round.find((m) => m.variant === scenario.subject);
        const base = round.find((m) => m.variant === scenario.baseline);
        if (!subject || !base) return Number.NaN;
        return subject.lowerIsBetter ? base.value / subject.value : subject.value / base.value;
      }),
    );
  }
  const subject = rounds.flat().filter((m) => m.variant === scenario.subject);
  const medianSubject: Measure = {
    variant: scenario.subject,
    unit: subject[0]?.unit ?? '',
    value: median(subject.map((m) => m.value)),
    p50: median(subject.map((m) => m.p50 ?? Number.NaN)),
    p99: median(subject.map((m) => m.p99 ?? Number.NaN)),
  };
  return {
    scenario: scenario.name,
    group: scenario.group,
    what: scenario.what,
    subject: scenario.subject,
    baseline: scenario.baseline,
    goal: scenario.goal?.text,
    met: scenario.goal ? scenario.goal.met(ratio ?? Number.NaN, medianSubject) : undefined,
    ratio,
    variants,
    rounds,
  };
};

const table = (summaries: readonly Summary[]): string => {
  const lines = [
    '| scenario | variant | median | unit | p50 ms | p99 ms | ratio | goal | met |',
    '|---|---|---:|---|---:|---:|---:|---|---|',
  ];
  for (const s of summaries) {
    for (const [name, v] of Object.entries(s.variants)) {
      const isSubject = name === s.subject;
      lines.push(
        `| ${isSubject ? s.scenario : ''} | ${name} | ${fmt(v.value, v.value < 100 ? 2 : 0)} | ${v.unit} | ${fmt(v.p50, 2)} | ${fmt(v.p99, 2)} | ${
          isSubject && s.ratio !== undefined ? fmt(s.ratio, 2) : ''
        } | ${isSubject ? (s.goal ?? '') : ''} | ${isSubject && s.met !== undefined ? (s.met ? 'yes' : '**no**') : ''} |`,
      );
    }
  }
  return lines.join('\n');
};

const main = async (): Promise<void> => {
  if (args.help) return void console.log(USAGE);
  if (args.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(22)} ${s.group.padEnd(8)} ${s.what}`);
    return;
  }
  const only = args.only?.split(',');
  const groups = args.group?.split(',');
  const selected = SCENARIOS.filter((s) => (!only || only.includes(s.name)) && (!groups || groups.includes(s.group)));
  const unknown = [...(only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n)), ...(groups ?? []).filter((g) => !SCENARIOS.some((s) => s.group === g))];
  if (unknown.length > 0 || selected.length === 0) throw new Error(`unknown scenario or group: ${unknown.join(', ') || '(none selected)'}\n${USAGE}`);

  const started = Date.now();
  const progress = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
  const server = await startBenchServer(progress);
  process.once('SIGINT', () => {
    progress('interrupted: stopping the database');
    void server.stop().finally(() => process.exit(130));
  });
  const summaries: Summary[] = [];
  try {
    const settings = await server.settings();
    progress(`PostgreSQL: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    for (const [index, scenario] of selected.entries()) {
      progress(`(${index + 1}/${selected.length}) ${scenario.name}: ${scenario.what}`);
      const prepared = await scenario.prepare({ server, options, progress: (line) => progress(`  ${line}`) });
      const rounds: Measure[][] = [];
      try {
        for (let round = 1; round <= options.rounds; round++) {
          const measures = await prepared.round(round);
          rounds.push(measures);
          for (const m of measures) {
            progress(`  r${round} ${m.variant.padEnd(28)} ${fmt(m.value, m.value < 100 ? 2 : 0).padStart(10)} ${m.unit}${m.p50 !== undefined ? `  p50 ${fmt(m.p50, 2)} ms  p99 ${fmt(m.p99, 2)} ms` : ''}`);
          }
        }
      } finally {
        await prepared.close();
      }
      const summary = summarize(scenario, rounds);
      summaries.push(summary);
      if (summary.ratio !== undefined) progress(`  ratio ${fmt(summary.ratio, 2)} (median of rounds)${summary.goal ? `; goal ${summary.goal}: ${summary.met ? 'met' : 'NOT met'}` : ''}`);
    }
    const report = {
      at: new Date().toISOString(),
      options,
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version },
      postgres: { embedded: server.embedded, ...settings },
      summaries,
    };
    console.log(`\n${table(summaries)}\n`);
    const dir = resolve(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${report.at.replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    progress(`results -> ${file}`);
  } finally {
    await server.stop();
  }
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
