import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { DomainError } from './domain-error';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page’s nextCursor.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** Cursors are opaque to clients: a base64url position in the list's order. */
export const encodeCursor = (position: string): string => Buffer.from(`p:${position}`).toString('base64url');

export const decodeCursor = (cursor: string | undefined): string | null => {
  if (cursor === undefined) return null;
  const match = /^p:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // Positions are bigint: a larger number was never issued, and would fail in SQL rather than here.
  if (!match || BigInt(match[1]) > MAX_BIGINT) {
    throw new DomainError('REQUEST.INVALID_CURSOR', 'invalid', 'This cursor was not issued by this API; start from the first page.');
  }
  return match[1];
};

export const pageOf = <Row extends { created_position: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> => ({
  items: rows.slice(0, limit).map(map),
  nextCursor: rows.length > limit ? encodeCursor(rows[limit - 1].created_position) : null,
});
