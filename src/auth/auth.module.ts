import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Database } from '../database/database';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys.service';

@Module({
  providers: [
    { provide: ApiKeys, inject: [Database], useFactory: (db: Database) => new ApiKeys(db) },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeys],
})
export class AuthModule {}
