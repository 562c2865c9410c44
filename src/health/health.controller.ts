import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { PublicRoute } from '../auth/roles';
import { Database } from '../database/database';

@ApiTags('operations')
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: Database,
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
    ]);
  }
}
