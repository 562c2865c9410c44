import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
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
}
