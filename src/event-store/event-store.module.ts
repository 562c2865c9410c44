import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { CommandRunner } from './command-runner';
import { EventStore } from './event-store';
import { CommitNotifier } from './notifier';

export const DATABASE_URL = Symbol('DATABASE_URL');

/** The database, the store, the command runner and commit notifications, shared by every module. */
@Global()
@Module({})
export class EventStoreModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CommitNotifier) private readonly notifier: CommitNotifier,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  static forRoot(config: AppConfig, dataSource: DataSource): DynamicModule {
    const url = (dataSource.options as { url?: string }).url ?? '';
    return {
      module: EventStoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: DATABASE_URL, useValue: url },
        { provide: Database, useValue: new Database(dataSource) },
        { provide: EventStore, inject: [Database], useFactory: (db: Database) => new EventStore(db) },
        { provide: CommandRunner, inject: [EventStore], useFactory: (store: EventStore) => new CommandRunner(store) },
        {
          provide: CommitNotifier,
          inject: [Database],
          useFactory: (db: Database) => new CommitNotifier(url, (channel, payload) => db.query('SELECT pg_notify($1, $2)', [channel, payload])),
        },
      ],
      exports: [APP_CONFIG, DATABASE_URL, Database, EventStore, CommandRunner, CommitNotifier],
    };
  }

  async onModuleInit(): Promise<void> {
    this.store.onCommitted(() => this.notifier.committed());
    await this.notifier.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.notifier.close();
  }
}
