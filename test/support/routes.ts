import type { INestApplication } from '@nestjs/common';

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  readonly path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every route the running app answers, read from Express's router (not listed by hand), e.g. "POST /api/claims/:id/verdicts". */
export const routesOf = (app: INestApplication): Route[] => {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const path of [layer.route.path].flat()) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') routes.push({ method: method.toUpperCase() as Route['method'], path });
      }
    }
  }
  return routes;
};

export const routeName = (route: Route): string => `${route.method} ${route.path}`;
