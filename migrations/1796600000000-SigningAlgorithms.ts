import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A signing key per algorithm (ES256, RS256, PS256, EdDSA): at most one active key of each,
 * which the index makes a fact of the table (the keys themselves are made at boot, under the
 * boot lock). Clients gain the algorithms of their ID tokens and UserInfo answers (OpenID
 * Connect Registration §2) and, for client_secret_jwt (RFC 7523 §2.2), their secret encrypted
 * with KEY_ENCRYPTION_SECRET: an HMAC cannot be checked against the SHA-256 digest.
 */
export class SigningAlgorithms1796600000000 implements MigrationInterface {
  name = 'SigningAlgorithms1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX "signing_keys_one_active_per_alg" ON "signing_keys" ("alg") WHERE "status" = 'active'`,
    );
    await queryRunner.query(`ALTER TABLE "clients" ADD "id_token_signed_response_alg" text`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "userinfo_signed_response_alg" text`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "secret_encrypted" bytea`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "secret_encrypted"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "userinfo_signed_response_alg"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "id_token_signed_response_alg"`);
    await queryRunner.query(`DROP INDEX "signing_keys_one_active_per_alg"`);
    // Keys of the algorithms the older code does not know would stop it from loading its own.
    await queryRunner.query(`DELETE FROM "signing_keys" WHERE "alg" NOT IN ('ES256', 'RS256')`);
  }
}
