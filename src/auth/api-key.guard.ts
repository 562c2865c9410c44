import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { hasRole, type Role } from '../common/decider';
import { requestContext, type Principal } from '../common/request-context';
import { ApiKeys } from './api-keys.service';
import { FailedAuthLimiter } from './rate-limits';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './roles';

// The scheme is case-insensitive (RFC 9110); the token is what we issued: ct_ and base64url.
const BEARER = /^Bearer +([A-Za-z0-9_\-.~+/]{16,200}=*)$/i;

/**
 * Every route needs a key unless marked public. A route without a declared role is readable by any
 * key when it is a GET and closed to everyone otherwise, so a forgotten decorator fails safe.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match ? await this.keys.authenticate(match[1]) : null;
    if (!principal) {
      await this.failures.recordFailure(request);
      throw new UnauthorizedException({ code: 'AUTH.UNAUTHENTICATED', message: 'Send a valid API key as "Authorization: Bearer <key>".' });
    }
    request.principal = principal;
    const scope = requestContext.current();
    if (scope) scope.principal = principal;
    const required =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? (request.method === 'GET' ? 'reader' : 'admin');
    if (!hasRole(principal.role, required)) {
      throw new ForbiddenException({ code: 'AUTH.FORBIDDEN', message: `This needs the ${required} role; your key has ${principal.role}.` });
    }
    return true;
  }
}
