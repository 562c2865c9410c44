import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CurrentPrincipal } from '../auth/roles';
import { deskScopeOf } from '../common/access';
import type { Principal } from '../common/request-context';
import { parseCheckpoint } from '../event-store/checkpoint';
import { ProjectionStatus } from '../projections/projection-status';
import { DashboardViews, type Dashboard } from './read-models/dashboard';

export class DashboardQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() storyId?: string;
  @ApiPropertyOptional({ description: 'X-Checkpoint of your last write: wait (up to 5 s) until the dashboard includes it' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  minCheckpoint?: string;
}

@ApiTags('claims')
@ApiBearerAuth()
@Controller('api/dashboard')
export class DashboardController {
  constructor(
    private readonly views: DashboardViews,
    private readonly status: ProjectionStatus,
  ) {}

  /** Counts per verdict per topic per story, overdue forecasts and the latest changes (an async view). */
  @Get()
  async dashboard(@Query() query: DashboardQuery, @CurrentPrincipal() principal: Principal): Promise<Dashboard> {
    if (query.minCheckpoint) await this.status.waitFor('dashboard', parseCheckpoint(query.minCheckpoint));
    return this.views.read(query.storyId, new Date(), deskScopeOf(principal));
  }
}
