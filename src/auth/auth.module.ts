import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { AccessGuard, ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys.service';
import { KeysController } from './keys.controller';
import { ResourcePlaces } from './resource-places';
import { FailedAuthLimiter, throttlerOptions, WriteThrottleGuard } from './rate-limits';

@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => throttlerOptions(config) })],
  controllers: [KeysController],
  providers: [
    { provide: ApiKeys, inject: [Database], useFactory: (db: Database) => new ApiKeys(db) },
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
export class AuthModule {}
