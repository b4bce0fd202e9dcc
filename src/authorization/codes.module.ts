import { Module } from '@nestjs/common';
import { AuthorizationCodesService } from './authorization-codes.service.js';

/** Authorization codes on their own, so the token endpoint can redeem them without the pages. */
@Module({
  providers: [AuthorizationCodesService],
  exports: [AuthorizationCodesService],
})
export class CodesModule {}
