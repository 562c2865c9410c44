import { Module } from '@nestjs/common';
import { LiveFeedController } from './live-feed.controller';

@Module({ controllers: [LiveFeedController] })
export class LiveModule {}
