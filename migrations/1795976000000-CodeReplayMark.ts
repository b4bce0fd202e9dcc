import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `replayed_at` marks a code presented again after its redemption. A replay that arrives while
 * the first redemption is still minting finds nothing to revoke yet; the mark tells the first
 * redemption to revoke what it minted as soon as it records it.
 */
export class CodeReplayMark1795976000000 implements MigrationInterface {
  name = 'CodeReplayMark1795976000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD "replayed_at" TIMESTAMP WITH TIME ZONE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "replayed_at"`);
  }
}
