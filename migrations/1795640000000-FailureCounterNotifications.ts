import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Changes to the failure counters (`login_throttles`) are announced on `portcullis_changes`
 * like the other cached rows, so every instance can cache whether a client authentication is
 * locked and still see a lock set by another instance at once.
 */
export class FailureCounterNotifications1795640000000 implements MigrationInterface {
  name = 'FailureCounterNotifications1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TRIGGER login_throttles_changed AFTER INSERT OR UPDATE OR DELETE ON "login_throttles"
         FOR EACH ROW EXECUTE FUNCTION portcullis_notify_change('key')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER login_throttles_truncated AFTER TRUNCATE ON "login_throttles"
         FOR EACH STATEMENT EXECUTE FUNCTION portcullis_notify_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER login_throttles_truncated ON "login_throttles"`);
    await queryRunner.query(`DROP TRIGGER login_throttles_changed ON "login_throttles"`);
  }
}
