import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './decider';

export interface Principal {
  readonly keyId: string;
  readonly actor: string;
  readonly role: Role;
  /** The desks the key's holder works on, home desk first; '*' is every desk (src/common/access.ts). */
  readonly desks: readonly string[];
}

/** Anything that can run SQL inside the current transaction (a pg client). */
export interface SqlExecutor {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** A POST carrying an Idempotency-Key: recorded with its events, or replayed from the first run. */
export interface IdempotentRequest {
  readonly record: (tx: SqlExecutor, streamId: string, version: number) => Promise<void>;
  readonly replay?: { readonly streamId: string; readonly version: number };
}

export interface RequestScope {
  readonly requestId: string;
  principal?: Principal;
  idempotency?: IdempotentRequest;
}

const storage = new AsyncLocalStorage<RequestScope>();

export const requestContext = {
  run: <T>(scope: RequestScope, work: () => T): T => storage.run(scope, work),
  current: (): RequestScope | undefined => storage.getStore(),
};
