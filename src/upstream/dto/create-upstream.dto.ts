import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** An upstream connection: the fields of its provider; secrets are written, never read back. */
export class CreateUpstreamDto {
  @ApiProperty({ example: 'coze-prod', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'name must be 1 to 63 lower-case letters, digits or -',
  })
  name!: string;

  @ApiProperty({ enum: ['coze', 'feishu'] })
  @IsIn(['coze', 'feishu'], { message: 'provider must be coze or feishu' })
  provider!: 'coze' | 'feishu';

  @ApiPropertyOptional({ description: 'Coze app id (iss of the JWT)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  client_id?: string;

  @ApiPropertyOptional({
    description: 'Coze: RSA private key (PEM); stored encrypted',
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(16384)
  private_key?: string;

  @ApiPropertyOptional({ description: 'Coze: public key id (kid)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  kid?: string;

  @ApiPropertyOptional({ default: 'api.coze.cn' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  audience?: string;

  @ApiPropertyOptional({ default: 'https://api.coze.cn/api/permission/oauth2/token' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  token_endpoint?: string;

  @ApiPropertyOptional({ default: 900, minimum: 1, maximum: 86399 })
  @IsOptional()
  @IsInt()
  token_duration?: number;

  @ApiPropertyOptional({ description: 'Coze enterprise account id' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  account_id?: string;

  @ApiPropertyOptional({ description: 'Feishu app id' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  app_id?: string;

  @ApiPropertyOptional({ description: 'Feishu app secret; stored encrypted', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  app_secret?: string;

  @ApiPropertyOptional({ default: 'https://open.feishu.cn' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  base_url?: string;

  @ApiPropertyOptional({ default: 'https://accounts.feishu.cn' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  accounts_url?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Feishu: create local users on first sign-in',
  })
  @IsOptional()
  @IsBoolean()
  allow_signup?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
