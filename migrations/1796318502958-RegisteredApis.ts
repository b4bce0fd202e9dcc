import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registered APIs (RFC 8707) and what refers to them: the clients' allowed APIs and scopes,
 * the APIs an authorization request, a code and a refresh-token family are for. Rows from
 * before stand for the issuer's own APIs, as before. Changes to `registered_apis` are
 * announced on the change feed, as the catalog every instance caches is the whole table.
 */
export class RegisteredApis1796318502958 implements MigrationInterface {
  name = 'RegisteredApis1796318502958';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registered_apis" ("created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "id" uuid NOT NULL DEFAULT gen_random_uuid(), "identifier" text NOT NULL, "name" text NOT NULL, "scopes" jsonb NOT NULL DEFAULT '[]', "access_token_ttl" integer NOT NULL, "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false, CONSTRAINT "UQ_81ceb8ab2a626e5be2b6d8338ae" UNIQUE ("identifier"), CONSTRAINT "PK_a6d7630457a5409d5a1e5ae1872" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "resource_scopes" jsonb NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(`ALTER TABLE "clients" ADD "default_resource" text`);
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "token_exchange_impersonation" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD "resources" text array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_requests" ADD "resources" text array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_token_families" ADD "resources" text array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(`ALTER TABLE "refresh_token_families" ADD "audience" text`);
    await queryRunner.query(
      `CREATE TRIGGER registered_apis_changed AFTER INSERT OR UPDATE OR DELETE ON "registered_apis"
         FOR EACH ROW EXECUTE FUNCTION portcullis_notify_change('id')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER registered_apis_truncated AFTER TRUNCATE ON "registered_apis"
         FOR EACH STATEMENT EXECUTE FUNCTION portcullis_notify_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER registered_apis_truncated ON "registered_apis"`);
    await queryRunner.query(`DROP TRIGGER registered_apis_changed ON "registered_apis"`);
    await queryRunner.query(`ALTER TABLE "refresh_token_families" DROP COLUMN "audience"`);
    await queryRunner.query(`ALTER TABLE "refresh_token_families" DROP COLUMN "resources"`);
    await queryRunner.query(`ALTER TABLE "authorization_requests" DROP COLUMN "resources"`);
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "resources"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "token_exchange_impersonation"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "default_resource"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "resource_scopes"`);
    await queryRunner.query(`DROP TABLE "registered_apis"`);
  }
}
