import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../common/decider';
import type { DomainError } from '../common/domain-error';
import type { ScopedKind } from './resource-places';
import type { Principal } from '../common/request-context';

export const REQUIRED_ROLE = 'claimtrail:required-role';
export const DESK_RULES = 'claimtrail:desk-rules';
export const PUBLIC_ROUTE = 'claimtrail:public';

/** The least role a route needs; roles rank reader < editor < reviewer < admin. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** Health probes and the API's own documentation need no key. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/**
 * What a route touches, for the desk checks in AccessGuard. `on` names where the id is: a route
 * parameter, or a field of the JSON body (checked only when it is a UUID; validation answers the rest).
 * - `see`: the caller must be able to see it, else 404 with the body a missing id gets;
 * - `change`: the caller must also work on its desk (admins work on every desk), else 403 AUTH.DESK;
 * - `confide`: the caller must work on its desk by name (or '*'), never by being an admin.
 * `{ desk: 'desk' }` checks a body's desk field for a new story or source.
 */
export type DeskRule =
  | {
      readonly kind: ScopedKind;
      readonly on: { readonly param: string } | { readonly body: string };
      readonly access: 'see' | 'change' | 'confide';
      readonly notFound?: (id: string) => DomainError;
      /**
       * `see` only: the route's own read applies the same rule in its statement (`story_visible`,
       * src/common/access.ts) and answers what it may not see with the body of a missing id, so the
       * guard does not look the resource up (one round trip less on the hottest reads).
       */
      readonly checkedByRead?: true;
    }
  | { readonly kind: 'desk'; readonly on: { readonly body: string } };

export const DeskScoped = (...rules: DeskRule[]) => SetMetadata(DESK_RULES, rules);
