import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, HttpException, Injectable, type NestInterceptor } from '@nestjs/common';
import canonicalize from 'canonicalize';
import type { FastifyRequest } from 'fastify';
import { from, type Observable, switchMap } from 'rxjs';
import { DomainError } from '../common/domain-error';
import { requestContext, type Principal, type SqlExecutor } from '../common/request-context';
import { Database } from '../database/database';

const KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * POST with an Idempotency-Key: the key and the request's hash are stored in the transaction that
 * appends the events, so a retry after any failure either replays the first response or runs anew,
 * never twice. The same key with another body is refused.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly db: Database) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const key = request.headers['idempotency-key'];
    const scope = requestContext.current();
    if (request.method !== 'POST' || key === undefined || !request.principal || !scope) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new HttpException({ code: 'IDEMPOTENCY.INVALID_KEY', message: 'Idempotency-Key must be 1-200 printable ASCII characters.' }, 400);
    }
    const keyId = request.principal.keyId;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${canonicalize(request.body ?? null) ?? ''}`)
      .digest();
    return from(
      this.db.query<{ request_hash: Buffer; stream_id: string; stream_version: number }>(
        'SELECT request_hash, stream_id, stream_version FROM idempotency_keys WHERE key_id = $1 AND idempotency_key = $2',
        [keyId, key],
      ),
    ).pipe(
      switchMap(([found]) => {
        if (found && !found.request_hash.equals(requestHash)) {
          throw new HttpException(
            { code: 'IDEMPOTENCY.KEY_REUSED', message: 'This Idempotency-Key was used with another request; use a new key.' },
            422,
          );
        }
        scope.idempotency = found
          ? { record: () => Promise.resolve(), replay: { streamId: found.stream_id, version: found.stream_version } }
          : { record: (tx, streamId, version) => this.record(tx, keyId, key, requestHash, streamId, version) };
        return next.handle();
      }),
    );
  }

  private async record(tx: SqlExecutor, keyId: string, key: string, hash: Buffer, streamId: string, version: number): Promise<void> {
    const inserted = (await tx.query(
      `INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, stream_id, stream_version, status_code)
       VALUES ($1, $2, $3, $4, $5, 201) ON CONFLICT DO NOTHING RETURNING 1`,
      [keyId, key, hash, streamId, version],
    )) as { rowCount: number | null };
    if (!inserted.rowCount) {
      throw new DomainError('IDEMPOTENCY.IN_PROGRESS', 'conflict', 'A request with this Idempotency-Key is still being processed; retry it shortly.');
    }
  }
}
