import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { EventStore } from '../event-store/event-store';
import { DATABASE_URL } from '../event-store/event-store.module';
import { CommitNotifier } from '../event-store/notifier';
import { AsyncProjectionWorker } from './async-projection-worker';
import { sameTable } from './projection';
import { ProjectionRegistry } from './projection-registry';

/** Starts a worker for every async projection; each waits for its lease, so any number of processes may run them. */
@Injectable()
export class ProjectionWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProjectionWorkers');
  private readonly abort = new AbortController();
  private running: Promise<void>[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    private readonly registry: ProjectionRegistry,
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly notifier: CommitNotifier,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.PROJECTION_WORKERS) return;
    this.running = this.registry.async().map((definition) =>
      new AsyncProjectionWorker(definition.name, definition.create(sameTable), this.db, this.store, this.notifier, {
        databaseUrl: this.databaseUrl,
        log: (message, fields) => this.logger.log({ ...fields }, message),
      }).run(this.abort.signal),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.running);
  }
}
