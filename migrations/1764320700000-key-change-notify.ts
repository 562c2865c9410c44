import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every API process caches the keys it verified (docs/decisions/070-key-cache.md) and forgets them when
 * it hears a change on the `claimtrail_keys` channel. The notification comes from the table itself, so
 * a key revoked, deleted or changed any way at all (the API, the CLI, or by hand in SQL) is announced in
 * the changing transaction. Recording a key's last use is not a change anyone needs to hear of.
 */
export class KeyChangeNotify1764320700000 implements MigrationInterface {
  name = 'KeyChangeNotify1764320700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION api_keys_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('claimtrail_keys', 'revoked:' || OLD.id);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER api_keys_changed AFTER UPDATE ON api_keys FOR EACH ROW
      WHEN ((OLD.key_hash, OLD.name, OLD.role, OLD.desks, OLD.revoked_at) IS DISTINCT FROM (NEW.key_hash, NEW.name, NEW.role, NEW.desks, NEW.revoked_at))
      EXECUTE FUNCTION api_keys_announce_change()`);
    await db.query(`CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_announce_change()`);
    await db.query(`
      CREATE FUNCTION api_keys_announce_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('claimtrail_keys', 'revoked:*');
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION api_keys_announce_truncate()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER api_keys_truncated ON api_keys');
    await db.query('DROP TRIGGER api_keys_deleted ON api_keys');
    await db.query('DROP TRIGGER api_keys_changed ON api_keys');
    await db.query('DROP FUNCTION api_keys_announce_truncate()');
    await db.query('DROP FUNCTION api_keys_announce_change()');
  }
}
