import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source })
  @IsString()
  @Matches(USERNAME_PATTERN, {
    message: 'username must be 1 to 128 characters of A-Z a-z 0-9 . _ @ + -',
  })
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, writeOnly: true })
  @IsString()
  @Length(8, 1024, { message: 'password must be 8 to 1024 characters' })
  password!: string;

  @ApiPropertyOptional({ example: 'alice@example.com', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string | null;

  @ApiPropertyOptional({
    example: 'orders:read',
    nullable: true,
    description: 'Scopes this user may grant; null or absent for no limit beyond the client’s',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  scope?: string | null;
}
