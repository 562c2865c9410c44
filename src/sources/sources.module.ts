import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { ProjectionRegistry } from '../projections/projection-registry';
import { stateViewDefinition } from '../projections/state-view.projection';
import { ReadIdentityHandler, RegisterSourceHandler, RegradeSourceHandler, ShredIdentityHandler } from './commands/source.commands';
import { sourceColumns, SourceViews } from './read-models/source-views';
import { ConfidentialIdentities, resolveMasterKey } from './confidential-identities';
import { SourceFactsHandler } from './source-facts.query';
import { sourceDecider } from './source.decider';
import { SourcesController } from './sources.controller';

@Module({
  controllers: [SourcesController],
  providers: [
    SourceViews,
    RegisterSourceHandler,
    RegradeSourceHandler,
    ShredIdentityHandler,
    ReadIdentityHandler,
    SourceFactsHandler,
    {
      provide: ConfidentialIdentities,
      inject: [Database, APP_CONFIG],
      useFactory: (db: Database, config: AppConfig) => new ConfidentialIdentities(db, resolveMasterKey(config)),
    },
  ],
})
export class SourcesModule implements OnModuleInit {
  constructor(private readonly projections: ProjectionRegistry) {}

  onModuleInit(): void {
    this.projections.register(
      stateViewDefinition({
        name: 'source_view',
        handles: ['SourceRegistered', 'SourceRegraded', 'IdentityShredded'],
        decider: sourceDecider,
        columns: sourceColumns,
      }),
    );
  }
}
