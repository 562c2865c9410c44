import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Principal } from '../common/request-context';
import { RetryUntilStopped } from '../database/retry-until-stopped';

/** Revocations and this process's own pings travel on one channel, so they arrive in commit order. */
export const KEY_CHANNEL = 'claimtrail_keys';

/**
 * How long a ping's round trip vouches for this process having seen every revocation committed before
 * it was sent; a revocation returns only after this long (`ApiKeys.revoke`), so by then every process
 * has either evicted the key or stopped trusting its cache.
 */
export const REVOCATION_SETTLE_MS = 500;
const PING_EVERY_MS = 100;
/** A cached key is checked against the database again after this long (and its last-used time recorded). */
const ENTRY_MS = 30_000;
const MAX_ENTRIES = 10_000;
const RECONNECT_MS = 1000;

interface Entry {
  readonly principal: Principal;
  readonly until: number;
}

/**
 * Key hash → identity for the keys this process has verified, consulted only while it is provably
 * up to date (docs/decisions/070-key-cache.md):
 * - every change to a key NOTIFYs this channel in the changing transaction (triggers on api_keys); any change clears the cache;
 * - the listener pings itself on the same channel; a ping back proves every revocation committed before
 *   the ping was sent has been applied; the cache answers only while the last ping back was sent less
 *   than REVOCATION_SETTLE_MS ago, and `ApiKeys.revoke` waits that long after its commit;
 * - a lookup that raced a revocation (the generation moved while it ran) is not cached;
 * - a lost listener clears the cache and leaves it unused until it listens and pings again.
 */
export class VerifiedKeys {
  private readonly entries = new Map<string, Entry>();
  private readonly nonce = randomUUID();
  private readonly pingsSent = new Map<number, number>();
  private listener: Client | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly listening = new RetryUntilStopped(() => this.listen(), RECONNECT_MS);
  private nextPing = 0;
  private lastPingSentAt = -Infinity;
  private closed = false;
  private started = false;
  /** Moves on every revocation and every loss of the listener; a lookup started before it moved is not cached. */
  generation = 0;

  constructor(private readonly url: string) {}

  /** Whether the cache may answer now. */
  trusted(): boolean {
    return this.listener !== null && performance.now() - this.lastPingSentAt < REVOCATION_SETTLE_MS;
  }

  /** The identity of a key verified lately, or null: look it up. Listens from the first call on (only API processes authenticate). */
  get(keyHash: string): Principal | null {
    if (!this.started) {
      this.started = true;
      void this.listening.start();
    }
    if (!this.trusted()) return null;
    const entry = this.entries.get(keyHash);
    if (!entry) return null;
    if (entry.until <= performance.now()) {
      this.entries.delete(keyHash);
      return null;
    }
    return entry.principal;
  }

  /** Records a key verified by a lookup that began at `generation`; dropped if a revocation came in between. */
  put(keyHash: string, principal: Principal, generation: number): void {
    if (generation !== this.generation || this.listener === null) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(keyHash, { principal, until: performance.now() + ENTRY_MS });
  }

  private forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }

  private onNotification(payload: string | undefined): void {
    const [kind, nonce, n] = (payload ?? '').split(':');
    if (kind === 'ping') {
      if (nonce !== this.nonce) return;
      const sentAt = this.pingsSent.get(Number(n));
      if (sentAt === undefined) return;
      this.pingsSent.delete(Number(n));
      this.lastPingSentAt = Math.max(this.lastPingSentAt, sentAt);
      return;
    }
    // A revocation (or anything not understood): trust nothing cached before it.
    this.forgetAll();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: `claimtrail-keys:${process.pid}` });
    let dead = false;
    const lost = () => {
      dead = true;
      if (this.listener === client) {
        this.listener = null;
        this.forgetAll();
        this.stopPinging();
      }
      void client.end().catch(() => undefined);
      this.listening.retry();
    };
    client.on('notification', (message) => this.onNotification(message.payload));
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    // The pings vouch for nothing durable: they need not wait for the WAL.
    await client.query('SET synchronous_commit = off');
    await client.query(`LISTEN ${KEY_CHANNEL}`);
    if (this.closed || dead) {
      await client.end().catch(() => undefined);
      return;
    }
    // Revocations committed while nobody listened are unknown: start empty, trusted after the first ping back.
    this.forgetAll();
    this.listener = client;
    this.startPinging(client);
  }

  private startPinging(client: Client): void {
    this.stopPinging();
    const ping = () => {
      if (this.listener !== client) return;
      const n = this.nextPing++;
      this.pingsSent.set(n, performance.now());
      // Pings lost with a broken connection are never answered; keep the map small.
      if (this.pingsSent.size > 100) this.pingsSent.delete(this.pingsSent.keys().next().value as number);
      client.query(`NOTIFY ${KEY_CHANNEL}, 'ping:${this.nonce}:${n}'`).catch(() => undefined);
    };
    ping();
    this.pingTimer = setInterval(ping, PING_EVERY_MS);
    this.pingTimer.unref();
  }

  private stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopPinging();
    this.listening.stop();
    const listener = this.listener;
    this.listener = null;
    this.forgetAll();
    await listener?.end().catch(() => undefined);
  }
}
