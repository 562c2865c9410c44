import { IsZonedDateTime } from '../../common/zoned-time';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/paging';
import type { Access, CitationRole, ClaimKind, Credibility, Outcome, RelationKind, Stance, Verdict } from '../claim.decider';

export const CLAIM_KINDS: readonly ClaimKind[] = ['assertion', 'forecast', 'quote', 'intent'];
export const CITATION_ROLES: readonly CitationRole[] = ['claimant', 'original_source', 'relay', 'corroborates', 'contradicts', 'denial'];
export const STANCES: readonly Stance[] = ['supports', 'contradicts', 'neutral'];
export const ACCESS: readonly Access[] = ['on_record', 'background', 'anonymous', 'document', 'observed'];
export const VERDICTS: readonly Verdict[] = ['unverified', 'reported', 'corroborated', 'confirmed', 'disputed', 'misleading', 'false', 'inconclusive'];
export const OUTCOMES: readonly Outcome[] = ['occurred', 'did_not_occur', 'occurred_differently'];
export const RELATIONS: readonly RelationKind[] = ['supports', 'contradicts', 'part_of', 'duplicate_of', 'supersedes'];

const TOPIC = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export class ReasonDto {
  @ApiProperty({ example: 'Two independent chains now support it.' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason!: string;
}

export class CitationDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() sourceId!: string;
  @ApiProperty({ enum: CITATION_ROLES }) @IsIn(CITATION_ROLES) role!: CitationRole;
  @ApiProperty({ enum: STANCES }) @IsIn(STANCES) stance!: Stance;
  @ApiProperty({ minimum: 1, maximum: 6, description: 'Admiralty credibility: 1 confirmed … 6 cannot be judged' })
  @IsInt()
  @Min(1)
  @Max(6)
  credibility!: Credibility;
  @ApiProperty({ enum: ACCESS }) @IsIn(ACCESS) access!: Access;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) quote?: string;
  @ApiPropertyOptional() @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) @MaxLength(2000) url?: string;
  @ApiPropertyOptional() @IsOptional() @IsZonedDateTime() publishedAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsZonedDateTime() retrievedAt?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'For a relay: the source it passes on' })
  @IsOptional()
  @IsUUID()
  relayOf?: string;
}

export class RecordClaimDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() storyId!: string;
  @ApiProperty({ example: 'Putin wants Kim to supply artillery shells and antitank missiles.' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  statement!: string;
  @ApiProperty({ enum: CLAIM_KINDS }) @IsIn(CLAIM_KINDS) kind!: ClaimKind;
  @ApiProperty({ type: [String], example: ['arms-for-technology'] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(TOPIC, { each: true, message: 'each topic is lowercase kebab-case' })
  @MaxLength(60, { each: true })
  topics!: string[];
  @ApiProperty({ type: [String], example: ['Vladimir Putin', 'Kim Jong-un'] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  actors!: string[];
  @ApiPropertyOptional() @IsOptional() @IsZonedDateTime() occurredAt?: string;
  @ApiPropertyOptional({ description: 'Forecasts only: when it is due' }) @IsOptional() @IsZonedDateTime() dueAt?: string;
  @ApiPropertyOptional({ type: [CitationDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CitationDto)
  citations?: CitationDto[];
}

export class VerdictDto extends ReasonDto {
  @ApiProperty({ enum: VERDICTS }) @IsIn(VERDICTS) verdict!: Verdict;
  @ApiPropertyOptional({ description: 'Reviewer only: past reported on anonymous support alone' })
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class RewordingDto extends ReasonDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(2000) statement!: string;
}

export class ResolutionDto extends ReasonDto {
  @ApiProperty({ enum: OUTCOMES }) @IsIn(OUTCOMES) outcome!: Outcome;
}

export class RelationDto {
  @ApiProperty({ enum: RELATIONS }) @IsIn(RELATIONS) relation!: RelationKind;
  @ApiProperty({ format: 'uuid' }) @IsUUID() claimId!: string;
}

export class ListClaimsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() storyId?: string;
  @ApiPropertyOptional({ enum: VERDICTS }) @IsOptional() @IsIn(VERDICTS) verdict?: Verdict;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) topic?: string;
  @ApiPropertyOptional({ enum: CLAIM_KINDS }) @IsOptional() @IsIn(CLAIM_KINDS) kind?: ClaimKind;
  @ApiPropertyOptional({ description: 'Full-text search over statements and actors (an async index)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
  @ApiPropertyOptional({ description: 'With q: X-Checkpoint of your last write; waits (up to 5 s) until the index includes it' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  minCheckpoint?: string;
  @ApiPropertyOptional({
    description:
      'List the claims as they stood at this instant (ISO 8601 with a zone): the claims that existed then, filtered by their verdict, topics, kind and statement then. With q, every word must appear in the statement or actors then.',
  })
  @IsOptional()
  @IsZonedDateTime()
  asOf?: string;
}
