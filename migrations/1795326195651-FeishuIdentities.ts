import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FeishuIdentities1795326195651 implements MigrationInterface {
  name = 'FeishuIdentities1795326195651';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "upstream_identities" ("connection" text NOT NULL, "external_id" text NOT NULL, "union_id" text, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e280a3ab5917911a961abcee075" PRIMARY KEY ("connection", "external_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "upstream_identities_user_idx" ON "upstream_identities"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "upstream_sign_ins" ("state_digest" bytea NOT NULL, "connection" text NOT NULL, "code_verifier_encrypted" bytea NOT NULL, "request_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_fa2461c2f1cb9ab270a3b59af02" PRIMARY KEY ("state_digest"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_identities" ADD CONSTRAINT "FK_4e77d527c6629884c81858a8dad" FOREIGN KEY ("connection") REFERENCES "upstream_connections"("name") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_identities" ADD CONSTRAINT "FK_d6774132c757efc613fcc0c5d57" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "upstream_identities" DROP CONSTRAINT "FK_d6774132c757efc613fcc0c5d57"`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_identities" DROP CONSTRAINT "FK_4e77d527c6629884c81858a8dad"`,
    );
    await queryRunner.query(`DROP TABLE "upstream_sign_ins"`);
    await queryRunner.query(`DROP INDEX "public"."upstream_identities_user_idx"`);
    await queryRunner.query(`DROP TABLE "upstream_identities"`);
  }
}
