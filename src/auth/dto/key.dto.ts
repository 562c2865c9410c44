import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { DESK_GRANT, EVERY_DESK } from '../../common/access';
import type { Role } from '../../common/decider';

export const ROLES: readonly Role[] = ['reader', 'editor', 'reviewer', 'admin'];

export class CreateKeyDto {
  @ApiProperty({ example: 'Ana Editor', description: 'Who holds the key; recorded as the actor of every change it makes.' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^\S(.*\S)?$/, { message: 'name must not start or end with white space' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    example: ['world'],
    description: `The desks the holder works on, home desk first (new stories and sources go there unless they name one); "${EVERY_DESK}" is every desk. Required except for admins, who work on every desk.`,
  })
  @ValidateIf((key: CreateKeyDto) => key.role !== 'admin' || key.desks !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(DESK_GRANT, { each: true, message: 'each desk is a short lowercase name, or "*" for every desk' })
  desks?: string[];
}
