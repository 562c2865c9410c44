import { type ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import {
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../common/request-context';
import { APP_CONFIG, type AppConfig } from '../config/app.config';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A 429 whose Retry-After is the seconds until the caller's block ends; the problem filter sets the header. */
export class Throttled extends HttpException {
  constructor(retryAfterSeconds: number, message: string) {
    super({ code: 'REQUEST.THROTTLED', message, retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) }, 429);
  }
}

/**
 * Both limits count in @nestjs/throttler's storage, in memory: per process, so N API processes allow
 * N times the limit (docs/decisions/030-rate-limits.md).
 */
export const throttlerOptions = (config: AppConfig): ThrottlerModuleOptions => ({
  throttlers: [{ name: 'writes', limit: config.RATE_LIMIT_WRITES, ttl: config.RATE_LIMIT_WINDOW_SECONDS * 1000 }],
  setHeaders: false,
});

/**
 * Writes per API key. Registered after ApiKeyGuard, so the key is known; reads, public routes and
 * unauthenticated requests are not counted here.
 */
@Injectable()
export class WriteThrottleGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    return Promise.resolve(!WRITES.has(request.method) || request.principal === undefined);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve((req as { principal: Principal }).principal.keyId);
  }

  /** One budget per key across every write route, not one per route. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    throw new Throttled(limit.timeToBlockExpire, `This key made more than ${limit.limit} writes in ${limit.ttl / 1000} s; retry after the Retry-After seconds.`);
  }
}

/** Failed authentications per client address: the next failure over the limit answers 429 instead of 401. */
@Injectable()
export class FailedAuthLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async recordFailure(request: FastifyRequest): Promise<void> {
    const windowMs = this.config.RATE_LIMIT_WINDOW_SECONDS * 1000;
    const limit = this.config.RATE_LIMIT_FAILED_AUTH;
    const address = normalizeIp(request.ip ?? request.socket.remoteAddress ?? 'unknown');
    const record = await this.storage.increment(`failed-auth:${address}`, windowMs, limit, windowMs, 'failed-auth');
    if (record.isBlocked) {
      throw new Throttled(record.timeToBlockExpire, `Too many failed authentications from this address; retry after the Retry-After seconds.`);
    }
  }
}
