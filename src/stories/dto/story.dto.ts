import { IsZonedDateTime } from '../../common/zoned-time';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQuery } from '../../common/paging';
import { REVISION_KINDS, type RevisionKind } from '../story.decider';

export class OpenStoryDto {
  @ApiProperty({ example: 'kim-jong-un-russia-visit' })
  @IsString()
  @Matches(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: 'slug is lowercase kebab-case' })
  @MaxLength(120)
  slug!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(300) headline!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(60000) body!: string;
  @ApiPropertyOptional() @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) @MaxLength(2000) url?: string;
  @ApiPropertyOptional({ example: 'world' }) @IsOptional() @IsString() @Matches(/^[a-z0-9-]{1,40}$/, { message: 'desk is a short lowercase name' }) desk?: string;
  @ApiPropertyOptional() @IsOptional() @IsZonedDateTime() publishedAt?: string;
}

export class ReviseStoryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(300) headline?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(60000) body!: string;
  @ApiProperty({ enum: REVISION_KINDS }) @IsIn(REVISION_KINDS) kind!: RevisionKind;
  @ApiProperty({ example: 'Corrected the forum dates.' }) @IsString() @MinLength(1) @MaxLength(2000) note!: string;
}

export class ArchiveStoryDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(2000) reason!: string;
}

export class ListStoriesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) desk?: string;
  @ApiPropertyOptional({ description: 'Words in the headline' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
}

export class DiffQuery {
  @ApiProperty({ minimum: 1 }) @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000) from!: number;
  @ApiProperty({ minimum: 1 }) @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000) to!: number;
}
