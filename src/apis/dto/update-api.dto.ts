import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateApiDto } from './create-api.dto.js';

/**
 * A partial update. The identifier is not among the fields: tokens already issued carry it
 * as their `aud`, so an API with another identifier is another API. A field left out stays
 * as it is; none can be unset with `null`.
 */
export class UpdateApiDto extends PartialType(OmitType(CreateApiDto, ['identifier'] as const), {
  skipNullProperties: false,
}) {}
