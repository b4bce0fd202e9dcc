import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export class ApiScopeDto {
  @ApiProperty({ example: 'invoices:read', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(SCOPE_TOKEN, { message: 'value must be a scope token (RFC 6749 §3.3, no spaces)' })
  value!: string;

  @ApiProperty({ example: 'Read invoices', maxLength: 300 })
  @IsString()
  @Length(1, 300)
  description!: string;
}

/** A resource server to register (RFC 8707), as `POST /admin/apis` takes it. */
export class CreateApiDto {
  @ApiProperty({
    example: 'https://billing.example.com',
    description: 'An absolute URI without fragment; the `aud` of tokens for this API. Unique.',
    maxLength: 2000,
  })
  @IsString()
  @MaxLength(2000)
  identifier!: string;

  @ApiProperty({ example: 'Billing', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ type: [ApiScopeDto], default: [] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ApiScopeDto)
  scopes?: ApiScopeDto[];

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 86400,
    description: 'Seconds an access token for this API lives; ACCESS_TOKEN_TTL when omitted.',
  })
  @IsOmittable()
  @IsInt({ message: 'access_token_ttl must be an integer between 60 and 86400' })
  @Min(60, { message: 'access_token_ttl must be an integer between 60 and 86400' })
  @Max(86400, { message: 'access_token_ttl must be an integer between 60 and 86400' })
  access_token_ttl?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Whether the API accepts only sender-constrained (DPoP) access tokens.',
  })
  @IsOmittable()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;
}
