import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { Database } from '../database/database';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys.service';
import { KeysController } from './keys.controller';
import { FailedAuthLimiter, throttlerOptions, WriteThrottleGuard } from './rate-limits';

@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => throttlerOptions(config) })],
  controllers: [KeysController],
  providers: [
    { provide: ApiKeys, inject: [Database], useFactory: (db: Database) => new ApiKeys(db) },
    FailedAuthLimiter,
    // Order matters: the write limit counts per key, so it runs after the key is known.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: WriteThrottleGuard },
  ],
  exports: [ApiKeys],
})
export class AuthModule {}
