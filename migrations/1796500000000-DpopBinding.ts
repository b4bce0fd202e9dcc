import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DPoP (RFC 9449): clients that must send proofs (§5.2), the key an authorization request and
 * its code are bound to (`dpop_jkt`, §10), and the binding of a refresh-token family (§5): the
 * key of a public client's refresh tokens, and whether its access tokens are bound.
 */
export class DpopBinding1796500000000 implements MigrationInterface {
  name = 'DpopBinding1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE "authorization_requests" ADD "dpop_jkt" text`);
    await queryRunner.query(`ALTER TABLE "authorization_codes" ADD "dpop_jkt" text`);
    await queryRunner.query(`ALTER TABLE "refresh_token_families" ADD "dpop_jkt" text`);
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" ADD "dpop_bound" boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_token_families" DROP COLUMN "dpop_bound"`);
    await queryRunner.query(`ALTER TABLE "refresh_token_families" DROP COLUMN "dpop_jkt"`);
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "dpop_jkt"`);
    await queryRunner.query(`ALTER TABLE "authorization_requests" DROP COLUMN "dpop_jkt"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "dpop_bound_access_tokens"`);
  }
}
