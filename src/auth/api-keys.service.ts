import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../common/decider';
import type { Principal } from '../common/request-context';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, statement } from '../database/database';
import { REVOCATION_SETTLE_MS, type VerifiedKeys } from './verified-keys';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  desks: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const hashOf = (token: string): Buffer => createHash('sha256').update(token).digest();

const AUTHENTICATE = statement(
  `SELECT id, name, role, desks, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
   FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
);

/** Keys are 256 random bits; only their SHA-256 is stored, so a database dump reveals none. */
export class ApiKeys {
  /** `verified`: the API's cache of verified keys; the CLI and other tools revoke and create without one. */
  constructor(
    private readonly db: Database,
    private readonly verified?: VerifiedKeys,
  ) {}

  async create(name: string, role: Role, desks: readonly string[]): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `ct_${randomBytes(32).toString('base64url')}`;
    await this.db.query('INSERT INTO api_keys (id, name, role, desks, key_hash) VALUES ($1, $2, $3, $4, $5)', [id, name, role, [...desks], hashOf(token)]);
    return { id, token };
  }

  async revoke(idOrName: string): Promise<number> {
    return this.revokeWhere('(id::text = $1 OR name = $1)', idOrName);
  }

  async revokeById(id: string): Promise<number> {
    return this.revokeWhere('id = $1', id);
  }

  /**
   * The revocation and its notification commit together; it returns once every API process has either
   * applied it or stopped trusting its cache (src/auth/verified-keys.ts), so the key is refused
   * everywhere from the next request on.
   */
  private async revokeWhere(condition: string, value: string): Promise<number> {
    // The table's trigger announces the change on KEY_CHANNEL in this same transaction (migration 1764320700000).
    const rows = await this.db.query<{ id: string }>(`UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL AND ${condition} RETURNING id`, [value]);
    if (rows.length > 0) await sleep(REVOCATION_SETTLE_MS);
    return rows.length;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      role: Role;
      desks: string[];
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>('SELECT id, name, role, desks, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at');
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      desks: row.desks,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at?.toISOString() ?? null,
      revokedAt: row.revoked_at?.toISOString() ?? null,
    }));
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ count: string }>('SELECT count(*) FROM api_keys');
    return Number(row.count);
  }

  /**
   * A key this process verified in the last 30 s answers from the cache while the cache is trusted;
   * else one query: the key, and whether its last-used time is more than a minute old; only then a
   * second statement records the use (so last-used lags real use by at most a minute and a half).
   */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashOf(token);
    const cacheKey = hash.toString('base64');
    const cached = this.verified?.get(cacheKey);
    if (cached) return cached;
    const generation = this.verified?.generation ?? 0;
    const [found] = await this.db.query<{ id: string; name: string; role: Role; desks: string[]; stale: boolean }>(AUTHENTICATE, [hash]);
    if (!found) return null;
    if (found.stale) await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [found.id]);
    const principal: Principal = { keyId: found.id, actor: found.name, role: found.role, desks: found.desks };
    this.verified?.put(cacheKey, principal, generation);
    return principal;
  }
}
