import { PartialType } from '@nestjs/swagger';
import { ValidationErrorCode } from '../../common/validation-error-code.js';
import { CreateClientDto } from './create-client.dto.js';

/**
 * A partial update: only the metadata named is changed; `null` unsets only what may be unset
 * (`default_resource`, `jwks`, `id_token_signed_response_alg`, `userinfo_signed_response_alg`).
 */
@ValidationErrorCode('invalid_client_metadata')
export class UpdateClientDto extends PartialType(CreateClientDto, { skipNullProperties: false }) {}
