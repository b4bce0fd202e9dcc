import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class PaginationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer between 1 and 100' })
  @Min(1, { message: 'limit must be an integer between 1 and 100' })
  @Max(100, { message: 'limit must be an integer between 1 and 100' })
  limit = 20;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be a non-negative integer' })
  @Min(0, { message: 'offset must be a non-negative integer' })
  @Max(1_000_000_000, { message: 'offset must be at most 1000000000' })
  offset = 0;

  @ApiPropertyOptional({
    description:
      'the `next` of the page before: the rows after it, as fast at any depth (no `total` then)',
  })
  @IsOptional()
  @IsString({ message: 'after must be a cursor' })
  @MaxLength(2048, { message: 'after must be a cursor' })
  after?: string;
}

/**
 * A page of a list. From an offset: with the total of rows. From a cursor (`after`): without
 * it, since counting every row is what keyset paging avoids.
 */
export interface Page<T> {
  items: T[];
  limit: number;
  /** The cursor for the next page (`after`); null on the last one. */
  next: string | null;
  total?: number;
  offset?: number;
}
