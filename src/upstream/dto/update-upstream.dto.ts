import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateUpstreamDto } from './create-upstream.dto.js';

/** A partial update; name and provider stay as they are. */
export class UpdateUpstreamDto extends PartialType(
  OmitType(CreateUpstreamDto, ['name', 'provider'] as const),
) {}
