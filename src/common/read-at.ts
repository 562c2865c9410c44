import { IsZonedDateTime } from './zoned-time';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DomainError } from './domain-error';
import { ValidationProblem } from './problem';

/** ?asOf= or ?version=: read a resource as it stood then, folded from its events. */
export class ReadAtQuery {
  @ApiPropertyOptional({ description: 'ISO 8601 time with a zone, e.g. 2023-09-05T12:00:00Z' })
  @IsOptional()
  @IsZonedDateTime()
  asOf?: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_000_000_000)
  version?: number;
}

export interface ReadAt {
  readonly asOf?: Date;
  readonly toVersion?: number;
}

export const readAtOf = (query: ReadAtQuery): ReadAt | null => {
  if (query.asOf !== undefined && query.version !== undefined) {
    throw new DomainError('REQUEST.AMBIGUOUS_READ', 'invalid', 'Give asOf or version, not both.');
  }
  if (query.asOf !== undefined) {
    // ISO 8601 also has week and ordinal dates (2023-W36, 2023-248), which Date cannot read.
    const asOf = new Date(query.asOf);
    if (Number.isNaN(asOf.getTime())) {
      throw new ValidationProblem([{ field: 'asOf', message: 'asOf must be a calendar date and time with a zone, e.g. 2023-09-05T12:00:00Z' }]);
    }
    return { asOf };
  }
  if (query.version !== undefined) return { toVersion: query.version };
  return null;
};
