import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `issued_access_tokens`: the index of live access tokens that revocation reads (of a grant,
 * a client, a user), so that the audit trail is only a record and can be archived. Tokens
 * issued before this table existed are listed from the audit trail once, here.
 */
export class IssuedAccessTokens1796100000000 implements MigrationInterface {
  name = 'IssuedAccessTokens1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "issued_access_tokens" ("client_id" text NOT NULL, "jti" text NOT NULL, "user_id" uuid, "family_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_issued_access_tokens" PRIMARY KEY ("client_id", "jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "issued_access_tokens_user_idx" ON "issued_access_tokens" ("user_id") WHERE "user_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "issued_access_tokens_family_idx" ON "issued_access_tokens" ("family_id") WHERE "family_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "issued_access_tokens_expires_idx" ON "issued_access_tokens" USING brin ("expires_at")`,
    );
    // The tokens of the last day's audit rows that may still be live: the longest lifetime a
    // token can have is ACCESS_TOKEN_TTL, which is at most a day.
    await queryRunner.query(
      `INSERT INTO "issued_access_tokens" (client_id, jti, user_id, family_id, expires_at)
       SELECT DISTINCT ON (e.client_id, e.details->>'jti') e.client_id, e.details->>'jti', e.user_id,
              (e.details->>'family_id')::uuid, e.at + interval '1 day'
         FROM audit_events e
        WHERE e.type IN ('token.issued', 'refresh.rotated') AND e.details ? 'jti'
          AND e.client_id IS NOT NULL AND e.at > now() - interval '1 day'
        ON CONFLICT DO NOTHING`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "issued_access_tokens"`);
  }
}
