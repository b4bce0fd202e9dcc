import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SIGNING_ALGS, type SigningAlg } from '../signing-algorithms.js';

/** What `POST /admin/keys/rotate` takes: an algorithm, or nothing for all of them. */
export class RotateKeysDto {
  @ApiPropertyOptional({
    enum: SIGNING_ALGS,
    description: 'Rotate only this algorithm’s key. Unset: every algorithm’s key is rotated.',
  })
  @IsOptional()
  @IsIn(SIGNING_ALGS, { message: `alg must be one of ${SIGNING_ALGS.join(', ')}` })
  alg?: SigningAlg;
}
