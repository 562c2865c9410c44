import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { EventStore } from '../event-store/event-store';
import { AuditController } from './audit.controller';
import { AuditKeys } from './audit-keys';
import { CheckpointScheduler } from './checkpoint-scheduler';
import { Checkpoints } from './checkpoints';
import { CorrectionsController } from './corrections.controller';
import { EventsController } from './events.controller';
import { historyProjection } from './history.projection';
import { LogExporter } from './log-export';
import { LogVerifier } from './log-verifier';
import { StreamHistoryHandler } from './stream-history.query';

@Module({
  controllers: [EventsController, AuditController, CorrectionsController],
  providers: [
    StreamHistoryHandler,
    { provide: AuditKeys, inject: [APP_CONFIG], useFactory: (config: AppConfig) => AuditKeys.fromConfig(config) },
    Checkpoints,
    CheckpointScheduler,
    LogVerifier,
    LogExporter,
  ],
  exports: [Checkpoints, LogVerifier, LogExporter],
})
export class AuditModule implements OnModuleInit {
  constructor(private readonly store: EventStore) {}

  onModuleInit(): void {
    this.store.registerInlineProjection(historyProjection);
  }
}
