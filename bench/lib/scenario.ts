import type { BenchServer } from './server';
import type { Timing } from './stats';

export interface Options {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Events in the store for the catch-up and rebuild scenarios. */
  readonly replayEvents: number;
  /** Store sizes for the growth scenario, smallest first. */
  readonly growthSizes: readonly number[];
  readonly httpSeconds: number;
  readonly connections: number;
  readonly smoke: boolean;
}

/** One variant's figures in one round. */
export interface Measure extends Partial<Timing> {
  readonly variant: string;
  /** The figure ratios are taken of, in `unit` (higher is better unless `lowerIsBetter`). */
  readonly value: number;
  readonly unit: string;
  readonly lowerIsBetter?: boolean;
}

export interface Context {
  readonly server: BenchServer;
  readonly options: Options;
  progress(line: string): void;
}

export interface Prepared {
  round(round: number): Promise<Measure[]>;
  close(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  readonly group: string;
  readonly what: string;
  /** The variant measured (ours) and the one it is compared with in the same run, if any. */
  readonly subject: string;
  readonly baseline?: string;
  /** The goal from issue #6, as text and as a check of the median ratio or value. */
  readonly goal?: { readonly text: string; met(ratio: number, subject: Measure): boolean };
  prepare(context: Context): Promise<Prepared>;
}

/** Runs `variants` in alternating order per round, so neither always goes first. */
export const alternate = async (round: number, variants: readonly (() => Promise<Measure>)[]): Promise<Measure[]> => {
  const order = round % 2 === 0 ? [...variants].reverse() : variants;
  const measures: Measure[] = [];
  for (const variant of order) measures.push(await variant());
  return measures;
};
