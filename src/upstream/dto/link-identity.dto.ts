import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class LinkIdentityDto {
  @ApiProperty({ example: 'feishu' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'connection must name an upstream connection' })
  connection!: string;

  @ApiProperty({
    example: 'ou_7d8a6e6df7621556ce0d21922b676706',
    description: 'the Feishu open_id',
  })
  @IsString()
  @MaxLength(256)
  @Matches(/^\S+$/, { message: 'external_id must not contain spaces' })
  external_id!: string;

  @ApiPropertyOptional({ description: 'the Feishu union_id' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  union_id?: string;
}
