import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { DATABASE_URL } from '../event-store/event-store.module';
import { AccessGuard, ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys.service';
import { KeysController } from './keys.controller';
import { ResourcePlaces } from './resource-places';
import { FailedAuthLimiter, throttlerOptions, WriteThrottleGuard } from './rate-limits';
import { VerifiedKeys } from './verified-keys';

@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => throttlerOptions(config) })],
  controllers: [KeysController],
  providers: [
    { provide: VerifiedKeys, inject: [DATABASE_URL], useFactory: (url: string) => new VerifiedKeys(url) },
    { provide: ApiKeys, inject: [Database, VerifiedKeys], useFactory: (db: Database, verified: VerifiedKeys) => new ApiKeys(db, verified) },
    { provide: ResourcePlaces, inject: [Database], useFactory: (db: Database) => new ResourcePlaces(db) },
    FailedAuthLimiter,
    // Order matters: the write limit counts per key, so it runs after the key is known, and before
    // the access checks, so that a client hammering with refused requests is throttled as well.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: WriteThrottleGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [ApiKeys],
})
export class AuthModule implements OnApplicationShutdown {
  constructor(@Inject(VerifiedKeys) private readonly verified: VerifiedKeys) {}

  async onApplicationShutdown(): Promise<void> {
    await this.verified.close();
  }
}
