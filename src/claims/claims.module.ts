import { Module, type OnModuleInit } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { stateViewProjection } from '../projections/state-view.projection';
import { claimDecider } from './claim.decider';
import { ClaimsController } from './claims.controller';
import { ChangeClaimHandler, RecordClaimHandler } from './commands/claim.commands';
import { ClaimSummariesHandler } from './queries/claim.queries';
import { claimColumns } from './read-models/claim.view';
import { ClaimViews } from './read-models/claim-views';

export const CLAIM_EVENTS = [
  'ClaimRecorded',
  'CitationAdded',
  'CitationWithdrawn',
  'VerdictChanged',
  'ClaimReworded',
  'ForecastResolved',
  'ClaimRelated',
  'ClaimWithdrawn',
  'ClaimReinstated',
] as const;

@Module({
  controllers: [ClaimsController],
  providers: [ClaimViews, RecordClaimHandler, ChangeClaimHandler, ClaimSummariesHandler],
})
export class ClaimsModule implements OnModuleInit {
  constructor(private readonly store: EventStore) {}

  onModuleInit(): void {
    this.store.registerInlineProjection(
      stateViewProjection({
        name: 'claim_view',
        table: 'claim_view',
        handles: CLAIM_EVENTS,
        initialState: claimDecider.initialState,
        evolve: (state, event) => claimDecider.evolve(state, event as Parameters<typeof claimDecider.evolve>[1]),
        columns: claimColumns,
      }),
    );
  }
}
