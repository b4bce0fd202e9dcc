import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TokenLifecycle1795322182390 implements MigrationInterface {
  name = 'TokenLifecycle1795322182390';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "refresh_token_families" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" text NOT NULL, "user_id" uuid, "scope" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, CONSTRAINT "PK_6912327ad39338e9032e1c76049" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "refresh_token_families_user_idx" ON "refresh_token_families"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "refresh_token_families_client_idx" ON "refresh_token_families"  ("client_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "refresh_tokens" ("digest" bytea NOT NULL, "family_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_6679280155a648c8616da6bf3b2" PRIMARY KEY ("digest"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens"  ("family_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "revoked_access_tokens" ("jti" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_340815421be58a8330570a1d6fb" PRIMARY KEY ("jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "revoked_access_tokens_expires_idx" ON "revoked_access_tokens"  ("expires_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "used_assertions" ("client_id" text NOT NULL, "jti" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4c36be4849f4e5694478b76f380" PRIMARY KEY ("client_id", "jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "used_assertions_expires_idx" ON "used_assertions"  ("expires_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "login_throttles" ("key" text NOT NULL, "failures" integer NOT NULL, "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_366650e3560115bd25315ca53d0" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(`ALTER TABLE "signing_keys" ADD "retired_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "users" ADD "scope" text`);
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" ADD CONSTRAINT "FK_c676073d5133e5e3339fb25bcaa" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" ADD CONSTRAINT "FK_cb724d64e7cc9276571acdabeb5" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_d5e27da0cd39bc3bb2811fc8bac" FOREIGN KEY ("family_id") REFERENCES "refresh_token_families"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_d5e27da0cd39bc3bb2811fc8bac"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" DROP CONSTRAINT "FK_cb724d64e7cc9276571acdabeb5"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" DROP CONSTRAINT "FK_c676073d5133e5e3339fb25bcaa"`,
    );
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "scope"`);
    await queryRunner.query(`ALTER TABLE "signing_keys" DROP COLUMN "retired_at"`);
    await queryRunner.query(`DROP TABLE "login_throttles"`);
    await queryRunner.query(`DROP INDEX "public"."used_assertions_expires_idx"`);
    await queryRunner.query(`DROP TABLE "used_assertions"`);
    await queryRunner.query(`DROP INDEX "public"."revoked_access_tokens_expires_idx"`);
    await queryRunner.query(`DROP TABLE "revoked_access_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_family_idx"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_token_families_client_idx"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_token_families_user_idx"`);
    await queryRunner.query(`DROP TABLE "refresh_token_families"`);
  }
}
