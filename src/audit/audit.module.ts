import { Module, type OnModuleInit } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { EventsController } from './events.controller';
import { historyProjection } from './history.projection';
import { StreamHistoryHandler } from './stream-history.query';

@Module({
  controllers: [EventsController],
  providers: [StreamHistoryHandler],
})
export class AuditModule implements OnModuleInit {
  constructor(private readonly store: EventStore) {}

  onModuleInit(): void {
    this.store.registerInlineProjection(historyProjection);
  }
}
