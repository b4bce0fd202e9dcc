import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `used_dpop_proofs`: the DPoP proofs already accepted (RFC 9449 §11.1), by key thumbprint and
 * `jti`, until they would be refused as too old; what makes a proof single use across instances.
 */
export class UsedDpopProofs1796410000000 implements MigrationInterface {
  name = 'UsedDpopProofs1796410000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "used_dpop_proofs" ("jkt" text NOT NULL, "jti" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_used_dpop_proofs" PRIMARY KEY ("jkt", "jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "used_dpop_proofs_expires_idx" ON "used_dpop_proofs" USING brin ("expires_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "used_dpop_proofs"`);
  }
}
