import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1795322131854 implements MigrationInterface {
  name = 'AuditEvents1795322131854';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "type" text NOT NULL, "client_id" text, "user_id" uuid, "ip" text, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_type_idx" ON "audit_events"  ("type", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_user_idx" ON "audit_events"  ("user_id", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_client_idx" ON "audit_events"  ("client_id", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."audit_events_client_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_events_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_events_type_idx"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
