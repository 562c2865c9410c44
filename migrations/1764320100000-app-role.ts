import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The role the API runs as (docs/decisions/011-append-only-role.md). `claimtrail_app` may read
 * everything and write the read models, but may only INSERT into `events`: no UPDATE, DELETE or
 * TRUNCATE, no ownership, so no ALTER TABLE … DISABLE TRIGGER either. Migrations keep running as the
 * connecting user, who owns the tables. The app pool switches to the role on connect when it can
 * (src/database/data-source.ts); a user without CREATEROLE gets a warning and the triggers only.
 *
 * Roles are cluster-wide while every test file migrates its own database at the same time, so the
 * role is created idempotently and a concurrent creator winning the race is not an error.
 */
export class AppRole1764320100000 implements MigrationInterface {
  name = 'AppRole1764320100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claimtrail_app') THEN
          BEGIN
            CREATE ROLE claimtrail_app NOLOGIN;
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
              RAISE WARNING 'claimtrail: % may not create roles; events are protected by triggers only', current_user;
          END;
        END IF;
      END $$`);
    // The grants live in a function, so that openDatabase can apply them again when a DBA creates the
    // role after this migration ran (it checks at every start; see src/database/data-source.ts).
    await db.query(`
      CREATE OR REPLACE FUNCTION claimtrail_grant_app_role() RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE
        schema_name text := current_schema();
        may_switch boolean;
        append_only text;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claimtrail_app') THEN
          RETURN false;
        END IF;
        -- Two pools opening at once must not grant on the same objects concurrently.
        PERFORM pg_advisory_xact_lock(hashtextextended('claimtrail_grant_app_role', 0));
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO claimtrail_app', schema_name);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO claimtrail_app', schema_name);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO claimtrail_app', schema_name);
        -- Tables later migrations create (as this same user) get the same grants.
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO claimtrail_app', schema_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO claimtrail_app', schema_name);
        FOREACH append_only IN ARRAY ARRAY['events', 'audit_checkpoints'] LOOP
          IF to_regclass(append_only) IS NOT NULL THEN
            EXECUTE format('REVOKE ALL ON %I FROM claimtrail_app', append_only);
            EXECUTE format('GRANT SELECT, INSERT ON %I TO claimtrail_app', append_only);
          END IF;
        END LOOP;
        REVOKE DELETE ON streams FROM claimtrail_app;
        IF to_regclass('migrations') IS NOT NULL THEN
          REVOKE ALL ON migrations FROM claimtrail_app;
          GRANT SELECT ON migrations TO claimtrail_app;
        END IF;
        -- The connecting user must be allowed to SET ROLE claimtrail_app; a superuser always is.
        SELECT rolsuper OR pg_has_role(current_user, 'claimtrail_app',
                                       CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END)
          INTO may_switch FROM pg_roles WHERE rolname = current_user;
        IF NOT may_switch THEN
          BEGIN
            EXECUTE format('GRANT claimtrail_app TO %I', current_user);
          EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'claimtrail: % cannot be made a member of claimtrail_app (%)', current_user, SQLERRM;
          END;
        END IF;
        RETURN true;
      END $$`);
    await db.query(`REVOKE ALL ON FUNCTION claimtrail_grant_app_role() FROM PUBLIC`);
    await db.query(`SELECT claimtrail_grant_app_role()`);
    // Maintenance (SET claimtrail.maintenance = 'on') stays open to the owner and superusers only:
    // the app role lacks the privileges anyway, and is refused here too should it ever be granted them.
    await db.query(`
      CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('claimtrail.maintenance', true) = 'on' AND current_user <> 'claimtrail_app' THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Record a new event instead. Repairs run as the table owner with SET claimtrail.maintenance = ''on''.';
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION claimtrail_grant_app_role()`);
    await db.query(`
      CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('claimtrail.maintenance', true) = 'on' THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claimtrail_app') THEN
          EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM claimtrail_app', current_schema());
          EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM claimtrail_app', current_schema());
          EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM claimtrail_app', current_schema());
          EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM claimtrail_app', current_schema());
          EXECUTE format('REVOKE ALL ON SCHEMA %I FROM claimtrail_app', current_schema());
        END IF;
      END $$`);
  }
}
