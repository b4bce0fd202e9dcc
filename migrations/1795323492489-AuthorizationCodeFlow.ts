import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthorizationCodeFlow1795323492489 implements MigrationInterface {
  name = 'AuthorizationCodeFlow1795323492489';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "authorization_codes" ("digest" bytea NOT NULL, "client_id" text NOT NULL, "user_id" uuid NOT NULL, "redirect_uri" text NOT NULL, "redirect_uri_given" boolean NOT NULL, "scope" text NOT NULL, "nonce" text, "code_challenge" text, "code_challenge_method" text, "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "issued_jti" text, "issued_jti_expires_at" TIMESTAMP WITH TIME ZONE, "family_id" uuid, CONSTRAINT "PK_ba0f3deb06a8cfb954c3a5e8863" PRIMARY KEY ("digest"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "authorization_requests" ("id" text NOT NULL, "client_id" text NOT NULL, "response_type" text NOT NULL, "redirect_uri" text NOT NULL, "redirect_uri_given" boolean NOT NULL, "scope" text NOT NULL, "state" text, "nonce" text, "code_challenge" text, "code_challenge_method" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4f8f4b4dc4a7d0fc59fc4995088" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "consents" ("user_id" uuid NOT NULL, "client_id" text NOT NULL, "scope" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8063fb33c16c761d941615c8462" PRIMARY KEY ("user_id", "client_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "sessions" ("digest" bytea NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_163e1f5347a3c7253258e47b793" PRIMARY KEY ("digest"))`,
    );
    await queryRunner.query(`CREATE INDEX "sessions_user_idx" ON "sessions"  ("user_id") `);
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "require_pkce" boolean NOT NULL DEFAULT true`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "allow_plain_pkce" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "allowed_cors_origins" text array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD CONSTRAINT "FK_9b6780f6c2ce73987f7cabb4ae3" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD CONSTRAINT "FK_68f8ccfda6bb17fb159cc965cce" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_requests" ADD CONSTRAINT "FK_329cd2617a034bf6abf3721d7d2" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "FK_946390b9024aba22cd1c1621430" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "FK_618e4fb7c4dc5b95a223cc9866c" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" DROP CONSTRAINT "FK_618e4fb7c4dc5b95a223cc9866c"`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" DROP CONSTRAINT "FK_946390b9024aba22cd1c1621430"`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_requests" DROP CONSTRAINT "FK_329cd2617a034bf6abf3721d7d2"`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" DROP CONSTRAINT "FK_68f8ccfda6bb17fb159cc965cce"`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" DROP CONSTRAINT "FK_9b6780f6c2ce73987f7cabb4ae3"`,
    );
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "allowed_cors_origins"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "allow_plain_pkce"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "require_pkce"`);
    await queryRunner.query(`DROP INDEX "public"."sessions_user_idx"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP TABLE "consents"`);
    await queryRunner.query(`DROP TABLE "authorization_requests"`);
    await queryRunner.query(`DROP TABLE "authorization_codes"`);
  }
}
