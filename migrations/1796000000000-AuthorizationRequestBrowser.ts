import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `browser_digest` binds a pending authorization request to the browser that started it:
 * the SHA-256 of that browser's CSRF cookie value. Only that browser may sign in and consent
 * for it. Rows from before this column are unbound; they expire within minutes.
 */
export class AuthorizationRequestBrowser1796000000000 implements MigrationInterface {
  name = 'AuthorizationRequestBrowser1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_requests" ADD "browser_digest" bytea`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_requests" DROP COLUMN "browser_digest"`);
  }
}
