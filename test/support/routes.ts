import type { INestApplication } from '@nestjs/common';
import { servedRoutes } from '../../src/bootstrap';

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  readonly path: string;
}

/** Every route the running app answers, as its router registered them (not listed by hand), e.g. "POST /api/claims/:id/verdicts". */
export const routesOf = (app: INestApplication): Route[] =>
  servedRoutes(app).map((route) => ({ method: route.method as Route['method'], path: route.path }));

export const routeName = (route: Route): string => `${route.method} ${route.path}`;
