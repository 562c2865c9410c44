import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../common/decider';
import type { Principal } from '../common/request-context';

export const REQUIRED_ROLE = 'claimtrail:required-role';
export const PUBLIC_ROUTE = 'claimtrail:public';

/** The least role a route needs; roles rank reader < editor < reviewer < admin. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** Health probes and the API's own documentation need no key. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
