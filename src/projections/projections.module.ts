import { Global, Module } from '@nestjs/common';
import { Database } from '../database/database';
import { EventStore } from '../event-store/event-store';
import { ProjectionRegistry } from './projection-registry';
import { ProjectionStatus } from './projection-status';
import { ProjectionWorkers } from './projection-workers';
import { ProjectionRebuilder } from './rebuild';

@Global()
@Module({
  providers: [
    { provide: ProjectionRegistry, inject: [EventStore], useFactory: (store: EventStore) => new ProjectionRegistry(store) },
    { provide: ProjectionRebuilder, inject: [Database, EventStore], useFactory: (db: Database, store: EventStore) => new ProjectionRebuilder(db, store) },
    ProjectionStatus,
    ProjectionWorkers,
  ],
  exports: [ProjectionRegistry, ProjectionRebuilder, ProjectionStatus],
})
export class ProjectionsModule {}
