import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { PublicRoute } from '../auth/roles';
import { Database } from '../database/database';
import { ProjectionStatus } from '../projections/projection-status';

@ApiTags('operations')
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: Database,
    private readonly projections: ProjectionStatus,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const check = this.indicators.check('database');
        try {
          await this.db.query('SELECT 1');
          return check.up();
        } catch {
          return check.down({ message: 'unreachable' });
        }
      },
      async () => {
        const check = this.indicators.check('migrations');
        try {
          return (await this.db.dataSource.showMigrations()) ? check.down({ message: 'pending' }) : check.up();
        } catch {
          return check.down({ message: 'unknown' });
        }
      },
      async () => {
        // Lag is reported, not judged: a rebuild or a burst legitimately puts a projection behind.
        const check = this.indicators.check('projections');
        try {
          const lag = await this.projections.lag();
          return check.up({ lag, oldestOpenTransactionSeconds: await this.projections.oldestOpenTransactionSeconds() });
        } catch {
          return check.down({ message: 'unknown' });
        }
      },
    ]);
  }
}
