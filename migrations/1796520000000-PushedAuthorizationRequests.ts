import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pushed authorization requests (RFC 9126): a pushed request waits in
 * `authorization_requests` under the digest of its request_uri (unique while it waits; null
 * once the authorize endpoint has taken it), with the `prompt` it was pushed with; a client
 * may be required to push (`require_pushed_authorization_requests`).
 */
export class PushedAuthorizationRequests1796520000000 implements MigrationInterface {
  name = 'PushedAuthorizationRequests1796520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "require_pushed_authorization_requests" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE "authorization_requests" ADD "prompt" text`);
    await queryRunner.query(`ALTER TABLE "authorization_requests" ADD "request_uri_digest" bytea`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "authorization_requests_request_uri_key" ON "authorization_requests" ("request_uri_digest") WHERE "request_uri_digest" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."authorization_requests_request_uri_key"`);
    await queryRunner.query(
      `ALTER TABLE "authorization_requests" DROP COLUMN "request_uri_digest"`,
    );
    await queryRunner.query(`ALTER TABLE "authorization_requests" DROP COLUMN "prompt"`);
    await queryRunner.query(
      `ALTER TABLE "clients" DROP COLUMN "require_pushed_authorization_requests"`,
    );
  }
}
