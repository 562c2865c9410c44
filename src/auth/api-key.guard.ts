import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { EVERY_DESK, maySee, notOnDesk, type ResourcePlace, worksOnDesk } from '../common/access';
import { hasRole, type Role } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { requestContext, type Principal } from '../common/request-context';
import { ApiKeys } from './api-keys.service';
import { FailedAuthLimiter } from './rate-limits';
import { ResourcePlaces } from './resource-places';
import { DESK_RULES, type DeskRule, PUBLIC_ROUTE, REQUIRED_ROLE } from './roles';

// The scheme is case-insensitive (RFC 9110); the token is what we issued: ct_ and base64url.
const BEARER = /^Bearer +([A-Za-z0-9_\-.~+/]{16,200}=*)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = (kind: string, id: string): DomainError => new DomainError(`${kind.toUpperCase()}.NOT_FOUND`, 'not_found', `No ${kind} ${id}.`);

type GuardedRequest = FastifyRequest & { principal?: Principal };

/** Who is asking: every route needs a key (401) unless it is public. Runs first; AccessGuard decides what they may do. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match ? await this.keys.authenticate(match[1]) : null;
    if (!principal) {
      await this.failures.recordFailure(request);
      throw new UnauthorizedException({ code: 'AUTH.UNAUTHENTICATED', message: 'Send a valid API key as "Authorization: Bearer <key>".' });
    }
    request.principal = principal;
    const scope = requestContext.current();
    if (scope) scope.principal = principal;
    return true;
  }
}

/**
 * Every role and desk check of the API, in one place (docs/decisions/060-desks.md), after the key is
 * known and the write limit counted, in this order:
 * 1. what the route touches exists and the caller may see it (404, the same body as a missing id:
 *    what a caller may not see does not exist for them); a rule marked `checkedByRead` is left to the
 *    route's read, which applies the same SQL rule in its one statement;
 * 2. the role (403): a route without a declared role is readable by any key when it is a GET and
 *    closed to everyone otherwise, so a forgotten decorator fails safe;
 * 3. changes only on the caller's desks (403 AUTH.DESK; they could already see it, so nothing leaks).
 * Lists filter in SQL with the same rules (`story_visible`, `stream_visible`).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly places: ResourcePlaces,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const principal = request.principal;
    if (!principal) throw new UnauthorizedException({ code: 'AUTH.UNAUTHENTICATED', message: 'Send a valid API key as "Authorization: Bearer <key>".' });
    const rules = this.reflector.getAllAndOverride<DeskRule[] | undefined>(DESK_RULES, targets) ?? [];
    const touched = await this.seeable(principal, rules, request);
    const required =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? (request.method === 'GET' ? 'reader' : 'admin');
    if (!hasRole(principal.role, required)) {
      throw new ForbiddenException({ code: 'AUTH.FORBIDDEN', message: `This needs the ${required} role; your key has ${principal.role}.` });
    }
    for (const { rule, place } of touched) {
      if (rule.access === 'change' && !worksOnDesk(principal, place.desk)) throw notOnDesk(place.desk);
      if (rule.access === 'confide' && !(place.desk !== null && (principal.desks.includes(place.desk) || principal.desks.includes(EVERY_DESK)))) {
        throw notOnDesk(place.desk);
      }
    }
    for (const rule of rules) {
      if (rule.kind !== 'desk') continue;
      const desk: unknown = (request.body as Record<string, unknown> | undefined)?.[rule.on.body];
      if (typeof desk === 'string' && !worksOnDesk(principal, desk)) throw notOnDesk(desk);
    }
    return true;
  }

  private async seeable(principal: Principal, rules: readonly DeskRule[], request: GuardedRequest) {
    const touched: { rule: Extract<DeskRule, { access: string }>; place: ResourcePlace }[] = [];
    for (const rule of rules) {
      if (rule.kind === 'desk' || (rule.access === 'see' && rule.checkedByRead)) continue;
      const id: unknown = 'param' in rule.on ? (request.params as Record<string, unknown>)[rule.on.param] : (request.body as Record<string, unknown> | undefined)?.[rule.on.body];
      if (typeof id !== 'string' || !UUID.test(id)) continue;
      const place = await this.places.find(rule.kind, id.toLowerCase());
      if (!place || !maySee(principal, place)) throw rule.notFound ? rule.notFound(id) : notFound(rule.kind, id);
      touched.push({ rule, place });
    }
    return touched;
  }
}
