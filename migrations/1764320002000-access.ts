import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys (only their SHA-256 is stored) and idempotency records for POST retries. */
export class Access1764320002000 implements MigrationInterface {
  name = 'Access1764320002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id           uuid PRIMARY KEY,
        name         text NOT NULL,
        role         text NOT NULL CHECK (role IN ('reader', 'editor', 'reviewer', 'admin')),
        key_hash     bytea NOT NULL UNIQUE,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      )`);
    await db.query(`
      CREATE TABLE idempotency_keys (
        key_id          uuid NOT NULL,
        idempotency_key text NOT NULL,
        request_hash    bytea NOT NULL,
        stream_id       text NOT NULL,
        stream_version  integer NOT NULL,
        status_code     integer NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (key_id, idempotency_key)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys, api_keys`);
  }
}
