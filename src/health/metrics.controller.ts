import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { PublicRoute } from '../auth/roles';
import { Database } from '../database/database';
import { ProjectionStatus } from '../projections/projection-status';

@ApiTags('operations')
@Controller('metrics')
@PublicRoute()
export class MetricsController {
  private readonly registry = new Registry();

  constructor(db: Database, projections: ProjectionStatus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'claimtrail_' });
    new Gauge({
      name: 'claimtrail_events_last_position',
      help: 'Global position of the newest event (positions may have holes, so this bounds the count)',
      registers: [this.registry],
      async collect() {
        const [row] = await db.query<{ position: string }>('SELECT coalesce(max(global_position), 0) AS position FROM events');
        this.set(Number(row.position));
      },
    });
    new Gauge({
      name: 'claimtrail_db_pool_waiting',
      help: 'Requests waiting for a database connection in this process',
      registers: [this.registry],
      collect() {
        this.set(db.pool.waitingCount);
      },
    });
    new Gauge({
      name: 'claimtrail_projection_lag_events',
      help: 'Events committed that an async projection has not applied yet',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        for (const lag of await projections.lag()) this.set({ projection: lag.name }, lag.lagEvents);
      },
    });
    new Gauge({
      name: 'claimtrail_projection_lag_seconds',
      help: 'Age of the oldest event an async projection has not applied yet',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        for (const lag of await projections.lag()) this.set({ projection: lag.name }, lag.lagSeconds);
      },
    });
    new Gauge({
      name: 'claimtrail_oldest_open_transaction_seconds',
      help: 'Age of the oldest transaction holding an id; it holds back what subscribers can read',
      registers: [this.registry],
      async collect() {
        this.set(await projections.oldestOpenTransactionSeconds());
      },
    });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
