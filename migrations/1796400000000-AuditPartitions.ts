import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_events` becomes range-partitioned by month on `at`, so that retention drops a whole
 * month instead of deleting rows one by one. Partitions live in the schema `partitions`: one
 * per month (`audit_events_y2026m12`, bounds in UTC) from the oldest row's month to two months
 * ahead, and a DEFAULT partition so that an insert never fails for want of one (the sweeper
 * keeps creating months ahead and moves any rows the default caught into them).
 *
 * A partitioned table's primary key must contain the partition key: it becomes (id, at). Ids
 * keep coming from the same sequence, so they stay unique and keep their order (the admin list
 * and its cursor order by id). Existing rows are copied into their months.
 */
export class AuditPartitions1796400000000 implements MigrationInterface {
  name = 'AuditPartitions1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "partitions"`);
    await queryRunner.query(`ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned"`);
    for (const index of ['type', 'user', 'client'])
      await queryRunner.query(
        `ALTER INDEX "audit_events_${index}_idx" RENAME TO "audit_events_unpartitioned_${index}_idx"`,
      );
    await queryRunner.query(
      `ALTER TABLE "audit_events_unpartitioned" RENAME CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" TO "audit_events_unpartitioned_pkey"`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" bigint NOT NULL DEFAULT nextval('audit_events_id_seq'), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "type" text NOT NULL, "client_id" text, "user_id" uuid, "ip" text, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_87d5afd9793d7ee8a3914d1c9dd" PRIMARY KEY ("id", "at")) PARTITION BY RANGE ("at")`,
    );
    await queryRunner.query(`ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id"`);
    await queryRunner.query(
      `CREATE INDEX "audit_events_type_idx" ON "audit_events" ("type", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_user_idx" ON "audit_events" ("user_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_client_idx" ON "audit_events" ("client_id", "id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "partitions"."audit_events_default" PARTITION OF "audit_events" DEFAULT`,
    );
    // Months are counted on UTC wall-clock timestamps, whatever the session's time zone.
    await queryRunner.query(`DO $$
      DECLARE
        this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
        month timestamp;
      BEGIN
        SELECT least(date_trunc('month', min(at) AT TIME ZONE 'UTC'), this_month) INTO month
          FROM audit_events_unpartitioned;
        month := coalesce(month, this_month);
        WHILE month <= this_month + interval '2 months' LOOP
          EXECUTE format(
            'CREATE TABLE partitions.%I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
            'audit_events_' || to_char(month, '"y"YYYY"m"MM'),
            month AT TIME ZONE 'UTC',
            (month + interval '1 month') AT TIME ZONE 'UTC');
          month := month + interval '1 month';
        END LOOP;
      END $$`);
    await queryRunner.query(
      `INSERT INTO "audit_events" ("id", "at", "type", "client_id", "user_id", "ip", "details") SELECT "id", "at", "type", "client_id", "user_id", "ip", "details" FROM "audit_events_unpartitioned"`,
    );
    await queryRunner.query(`DROP TABLE "audit_events_unpartitioned"`);
    await queryRunner.query(
      `CREATE INDEX "registered_apis_created_at_idx" ON "registered_apis" ("created_at", "id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."registered_apis_created_at_idx"`);
    await queryRunner.query(`ALTER TABLE "audit_events" RENAME TO "audit_events_partitioned"`);
    for (const index of ['type', 'user', 'client'])
      await queryRunner.query(
        `ALTER INDEX "audit_events_${index}_idx" RENAME TO "audit_events_partitioned_${index}_idx"`,
      );
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" bigint NOT NULL DEFAULT nextval('audit_events_id_seq'), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "type" text NOT NULL, "client_id" text, "user_id" uuid, "ip" text, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id"`);
    await queryRunner.query(
      `INSERT INTO "audit_events" SELECT "id", "at", "type", "client_id", "user_id", "ip", "details" FROM "audit_events_partitioned"`,
    );
    await queryRunner.query(`DROP TABLE "audit_events_partitioned"`);
    await queryRunner.query(`DROP SCHEMA "partitions" CASCADE`);
    await queryRunner.query(
      `CREATE INDEX "audit_events_type_idx" ON "audit_events" ("type", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_user_idx" ON "audit_events" ("user_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_client_idx" ON "audit_events" ("client_id", "id")`,
    );
  }
}
