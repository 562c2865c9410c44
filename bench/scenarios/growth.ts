import { randomUUID } from 'node:crypto';
import { claimDecider, type ClaimEvent } from '../../src/claims/claim.decider';
import { fold } from '../../src/common/decider';
import { Database } from '../../src/database/database';
import { toDomainEvent } from '../../src/event-store/command-runner';
import { EventStore } from '../../src/event-store/event-store';
import { bulkLoadClaims } from '../lib/bulk-load';
import { eventPool } from '../lib/payloads';
import type { Measure, Prepared, Scenario } from '../lib/scenario';
import { timed } from '../lib/stats';

const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

/**
 * Append p50 (1 writer, 1 event, new streams of 30) and read p50 (a random 20-event claim, folded)
 * as the store grows: history is bulk-loaded by COPY up to each size, then both are measured for
 * every round before the next size is loaded.
 */
export const growthScenario: Scenario = {
  name: 'growth',
  group: 'growth',
  what: 'append p50 and read p50 with the store at each of --growth-sizes events',
  subject: 'append',
  baseline: 'append',
  goal: { text: 'append p50 at the largest size ≤ 1.2 × at the smallest', met: (ratio) => ratio >= 1 / 1.2 },
  async prepare(context): Promise<Prepared> {
    const { options } = context;
    const sizes = [...options.growthSizes].sort((a, b) => a - b);
    const db = await context.server.database('growth', 1);
    const store = new EventStore(new Database(db.dataSource));
    const pool = eventPool();
    const rounds: Measure[][] = Array.from({ length: options.rounds }, () => []);
    const loadedStreams: string[] = [];
    let size = 0;
    try {
      for (const target of sizes) {
        const started = Date.now();
        const before = size;
        let next = 0.25;
        const loaded = await bulkLoadClaims(db.admin, target - size, (done) => {
          if (done / (target - before) >= next) {
            context.progress(`growth: ${label(before + done)} events loaded (${((Date.now() - started) / 1000).toFixed(0)} s)`);
            next += 0.25;
          }
        });
        // Not push(...loaded): half a million arguments overflow the stack.
        for (const stream of loaded) loadedStreams.push(stream);
        size = target;
        const complete = loadedStreams.slice(0, Math.max(1, loadedStreams.length - 2000));
        for (let r = 0; r < options.rounds; r++) {
          const append = await timed({ workers: 1, warmupMs: options.warmupMs, durationMs: options.durationMs }, () => {
            let stream = `claim-${randomUUID()}`;
            let version = 0;
            let k = 0;
            return async () => {
              await store.append(stream, version === 0 ? 'no_stream' : version, [pool[k++ % pool.length]]);
              if (++version >= 30) {
                stream = `claim-${randomUUID()}`;
                version = 0;
              }
              return 1;
            };
          });
          let k = 0;
          const read = await timed({ workers: 1, warmupMs: options.warmupMs, durationMs: options.durationMs }, () => async () => {
            const events = await store.readStream(complete[(k++ * 7919) % complete.length]);
            fold(claimDecider, events.map(toDomainEvent) as ClaimEvent[]);
            return events.length;
          });
          rounds[r].push(
            { variant: `append@${label(target)}`, value: append.p50, unit: 'ms p50', lowerIsBetter: true, ...append },
            { variant: `read@${label(target)}`, value: read.p50, unit: 'ms p50', lowerIsBetter: true, ...read },
          );
          context.progress(`growth @${label(target)} r${r + 1}: append p50 ${append.p50.toFixed(2)} ms (${append.opsPerSec.toFixed(0)}/s), read p50 ${read.p50.toFixed(2)} ms`);
        }
      }
    } catch (error) {
      await db.close();
      throw error;
    }
    const smallest = `append@${label(sizes[0])}`;
    const largest = `append@${label(sizes[sizes.length - 1])}`;
    // ratio = p50 at the smallest size / p50 at the largest (lower is better for both)
    Object.assign(growthScenario, { subject: largest, baseline: smallest });
    return { round: (r) => Promise.resolve(rounds[r - 1]), close: () => db.close() };
  },
};

export const growthScenarios: Scenario[] = [growthScenario];
