import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a row that instances cache (clients, users, revoked access-token ids,
 * signing keys) is announced on the `portcullis_changes` channel as `<table>:<key>`, at
 * commit, whoever made it — this app, another instance, or an operator with psql.
 * TRUNCATE announces `<table>:*`.
 */
export class ChangeNotifications1795500000000 implements MigrationInterface {
  name = 'ChangeNotifications1795500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION portcullis_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('portcullis_changes', TG_TABLE_NAME || ':*');
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('portcullis_changes', TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));
        ELSE
          PERFORM pg_notify('portcullis_changes', TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0]));
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, key, events] of TRIGGERS) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_changed AFTER ${events} ON "${table}"
           FOR EACH ROW EXECUTE FUNCTION portcullis_notify_change('${key}')`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_truncated AFTER TRUNCATE ON "${table}"
           FOR EACH STATEMENT EXECUTE FUNCTION portcullis_notify_change()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of TRIGGERS) {
      await queryRunner.query(`DROP TRIGGER ${table}_truncated ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER ${table}_changed ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION portcullis_notify_change()`);
  }
}

/** table, key column, row events. Revoked ids only matter when they appear. */
const TRIGGERS: [string, string, string][] = [
  ['clients', 'client_id', 'INSERT OR UPDATE OR DELETE'],
  ['users', 'id', 'UPDATE OR DELETE'],
  ['signing_keys', 'kid', 'INSERT OR UPDATE OR DELETE'],
  ['revoked_access_tokens', 'jti', 'INSERT'],
];
