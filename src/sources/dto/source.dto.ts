import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { DESK_NAME } from '../../common/access';
import { PageQuery } from '../../common/paging';
import { RELIABILITIES, SOURCE_KINDS, type Reliability, type SourceKind } from '../source.decider';

export class GradeDto {
  @ApiProperty({ enum: RELIABILITIES, description: 'Admiralty: A completely reliable … E unreliable, F cannot be judged' })
  @IsIn(RELIABILITIES)
  reliability!: Reliability;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(2000) rationale!: string;
}

export class RegisterSourceDto extends GradeDto {
  @ApiProperty({ enum: SOURCE_KINDS }) @IsIn(SOURCE_KINDS) kind!: SourceKind;
  @ApiProperty({ example: 'US officials' }) @IsString() @MinLength(1) @MaxLength(300) descriptor!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(300) name?: string;
  @ApiProperty() @IsBoolean() anonymous!: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(300) affiliation?: string;
  @ApiPropertyOptional({ description: 'Anonymous sources only: who they are. Stored encrypted; never returned by reads.', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  confidentialIdentity?: string;
  @ApiPropertyOptional({ example: 'world', description: 'The desk that owns it; default the key’s home desk' })
  @IsOptional()
  @IsString()
  @Matches(DESK_NAME, { message: 'desk is a short lowercase name' })
  desk?: string;
}

export class ShredDto {
  @ApiProperty({ example: 'The source asked us to destroy the record after the threat assessment.' }) @IsString() @MinLength(1) @MaxLength(2000) reason!: string;
}

export class ListSourcesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Words in the descriptor' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: SOURCE_KINDS }) @IsOptional() @IsIn(SOURCE_KINDS) kind?: SourceKind;
}
