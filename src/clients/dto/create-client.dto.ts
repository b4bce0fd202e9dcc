import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { SIGNING_ALGS, type SigningAlg } from '../../keys/signing-algorithms.js';
import { ValidationErrorCode } from '../../common/validation-error-code.js';
import {
  AUTH_METHODS,
  REGISTRABLE_GRANT_TYPES,
  REGISTRABLE_RESPONSE_TYPES,
} from '../client-metadata.rules.js';
import type { TokenEndpointAuthMethod } from '../client.entity.js';

export class JwksDto {
  @ApiProperty({ type: 'array', items: { type: 'object' } })
  @IsArray()
  @ArrayMaxSize(10)
  @IsObject({ each: true })
  keys!: Record<string, unknown>[];
}

/** RFC 7591 client metadata, as the admin API takes it. */
@ValidationErrorCode('invalid_client_metadata')
export class CreateClientDto {
  @ApiPropertyOptional({ example: 'Billing service', maxLength: 200 })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  client_name?: string;

  @ApiPropertyOptional({ type: [String], example: ['https://app.example.com/callback'] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  redirect_uris?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: REGISTRABLE_GRANT_TYPES,
    default: ['authorization_code'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(REGISTRABLE_GRANT_TYPES, {
    each: true,
    message: `grant_types must contain only ${REGISTRABLE_GRANT_TYPES.join(', ')}`,
  })
  grant_types?: string[];

  @ApiPropertyOptional({ type: [String], enum: REGISTRABLE_RESPONSE_TYPES })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(5)
  @IsIn(REGISTRABLE_RESPONSE_TYPES, {
    each: true,
    message: `response_types must contain only ${REGISTRABLE_RESPONSE_TYPES.join(', ')}`,
  })
  response_types?: string[];

  @ApiPropertyOptional({ example: 'orders:read orders:write', maxLength: 2000 })
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  scope?: string;

  @ApiPropertyOptional({
    enum: AUTH_METHODS,
    default: 'client_secret_basic',
    description:
      'client_secret_jwt: an HS256/HS384/HS512 assertion keyed with the client secret (RFC 7523 §2.2); private_key_jwt: an assertion signed with a key of jwks.',
  })
  @IsOmittable()
  @IsIn(AUTH_METHODS, {
    message: `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`,
  })
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({ default: true, description: 'PKCE required (always for public clients)' })
  @IsOmittable()
  @IsBoolean()
  require_pkce?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Accept PKCE method plain besides S256' })
  @IsOmittable()
  @IsBoolean()
  allow_plain_pkce?: boolean;

  @ApiPropertyOptional({ type: [String], example: ['https://app.example.com'] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  allowed_cors_origins?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'https://billing.example.com': 'invoices:read invoices:write' },
    description:
      'The registered APIs (RFC 8707) this client may get tokens for, each with the space-separated scopes it may ask for there.',
  })
  @IsOmittable()
  @IsObject()
  resource_scopes?: Record<string, string>;

  @ApiPropertyOptional({
    nullable: true,
    example: 'https://billing.example.com',
    description:
      "The API of a request that names no resource: one of resource_scopes. Unset: the issuer (Portcullis's own APIs).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  default_resource?: string | null;

  @ApiPropertyOptional({
    default: false,
    description:
      'Token exchange (RFC 8693) may issue tokens that act as the subject, without an act claim.',
  })
  @IsOmittable()
  @IsBoolean()
  token_exchange_impersonation?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'The authorize endpoint takes only a request_uri from a pushed authorization request (RFC 9126 §6) from this client. For clients of the authorization_code or implicit grant.',
  })
  @IsOmittable()
  @IsBoolean()
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'RFC 9449 §5.2: every token request must carry a DPoP proof, so every access token (and a public client’s refresh token) is bound to the client’s key. Refused with implicit, whose tokens no proof can bind.',
  })
  @IsOmittable()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({
    enum: SIGNING_ALGS,
    nullable: true,
    description:
      'The algorithm of this client’s ID tokens (OpenID Connect Registration §2). Unset: the server’s SIGNING_ALG.',
  })
  @IsOptional()
  @IsIn(SIGNING_ALGS, {
    message: `id_token_signed_response_alg must be one of ${SIGNING_ALGS.join(', ')}`,
  })
  id_token_signed_response_alg?: SigningAlg | null;

  @ApiPropertyOptional({
    enum: SIGNING_ALGS,
    nullable: true,
    description:
      'When set, /oauth/userinfo answers this client with a JWT (application/jwt) signed with this algorithm (OpenID Connect Core §5.3.2). Unset: plain JSON.',
  })
  @IsOptional()
  @IsIn(SIGNING_ALGS, {
    message: `userinfo_signed_response_alg must be one of ${SIGNING_ALGS.join(', ')}`,
  })
  userinfo_signed_response_alg?: SigningAlg | null;

  @ApiPropertyOptional({ type: JwksDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JwksDto)
  jwks?: JwksDto | null;
}
