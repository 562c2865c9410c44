import { Module, type OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry } from '../projections/projection-registry';
import { stateViewDefinition } from '../projections/state-view.projection';
import { claimDecider } from './claim.decider';
import { ClaimsController } from './claims.controller';
import { DashboardController } from './dashboard.controller';
import { ChangeClaimHandler, RecordClaimHandler } from './commands/claim.commands';
import { ClaimSummariesHandler } from './queries/claim.queries';
import { claimColumns } from './read-models/claim.view';
import { claimSearchProjection, dashboardProjection } from './read-models/dashboard.projection';
import { ClaimViews } from './read-models/claim-views';
import { DashboardViews } from './read-models/dashboard';

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

/** The claim view: each claim's folded state, written inline with its events. */
export const claimViewDefinition = stateViewDefinition({
  name: 'claim_view',
  handles: CLAIM_EVENTS,
  decider: claimDecider,
  columns: claimColumns,
});

@Module({
  controllers: [ClaimsController, DashboardController],
  providers: [ClaimViews, DashboardViews, RecordClaimHandler, ChangeClaimHandler, ClaimSummariesHandler],
})
export class ClaimsModule implements OnModuleInit {
  constructor(private readonly projections: ProjectionRegistry) {}

  onModuleInit(): void {
    this.projections.register(claimViewDefinition);
    this.projections.register(dashboardProjection);
    this.projections.register(claimSearchProjection);
  }
}
