import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UpstreamConnections1795325595618 implements MigrationInterface {
  name = 'UpstreamConnections1795325595618';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "upstream_connections" ("created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "name" text NOT NULL, "provider" text NOT NULL, "settings" jsonb NOT NULL DEFAULT '{}', "secrets_encrypted" bytea NOT NULL, "enabled" boolean NOT NULL DEFAULT true, CONSTRAINT "PK_03413f1be9735e9c1d302bcc632" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "upstream_tokens" ("connection" text NOT NULL, "subject" text NOT NULL, "token_encrypted" bytea NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "refresh_encrypted" bytea, "refresh_expires_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_06ca089d8a6dfc0d6c59a49ed9d" PRIMARY KEY ("connection", "subject"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_tokens" ADD CONSTRAINT "FK_cd2b833be9f8344feb211c5b7f8" FOREIGN KEY ("connection") REFERENCES "upstream_connections"("name") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "upstream_tokens" DROP CONSTRAINT "FK_cd2b833be9f8344feb211c5b7f8"`,
    );
    await queryRunner.query(`DROP TABLE "upstream_tokens"`);
    await queryRunner.query(`DROP TABLE "upstream_connections"`);
  }
}
