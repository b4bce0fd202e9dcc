import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795319936586 implements MigrationInterface {
  name = 'Initial1795319936586';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "clients" (
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "client_id" text NOT NULL,
      "client_name" text NOT NULL,
      "redirect_uris" text array NOT NULL DEFAULT '{}',
      "grant_types" text array NOT NULL DEFAULT '{}',
      "response_types" text array NOT NULL DEFAULT '{}',
      "scope" text NOT NULL DEFAULT '',
      "token_endpoint_auth_method" text NOT NULL,
      "jwks" jsonb,
      "secret_digest" bytea,
      "disabled" boolean NOT NULL DEFAULT false,
      CONSTRAINT "PK_49e91f1e368e3f760789e7764aa" PRIMARY KEY ("client_id")
    )`);
    await queryRunner.query(`CREATE TABLE "signing_keys" (
      "kid" text NOT NULL,
      "alg" text NOT NULL,
      "public_jwk" jsonb NOT NULL,
      "private_key_encrypted" bytea NOT NULL,
      "status" text NOT NULL DEFAULT 'active',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_13362ac3e792c69417e1a53d355" PRIMARY KEY ("kid")
    )`);
    await queryRunner.query(`CREATE TABLE "users" (
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "username" text NOT NULL,
      "email" text,
      "password_hash" text NOT NULL,
      "disabled" boolean NOT NULL DEFAULT false,
      CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
    )`);
    // Usernames are unique regardless of case; lookups use the same expression.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "clients_created_at_idx" ON "clients" ("created_at", "client_id")`,
    );
    await queryRunner.query(`CREATE INDEX "users_created_at_idx" ON "users" ("created_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`DROP TABLE "clients"`);
  }
}
