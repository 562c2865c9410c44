import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { CommandRunner } from './command-runner';
import { EventStore } from './event-store';

/** The database, the store and the command runner, shared by every feature module. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: AppConfig, dataSource: DataSource): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Database, useValue: new Database(dataSource) },
        { provide: EventStore, inject: [Database], useFactory: (db: Database) => new EventStore(db) },
        { provide: CommandRunner, inject: [EventStore], useFactory: (store: EventStore) => new CommandRunner(store) },
      ],
      exports: [APP_CONFIG, Database, EventStore, CommandRunner],
    };
  }
}
