/**
 * One way to declare a route. An area (a family of routes mounted under one path, with
 * one default tag and guard) registers each route's method, path, schemas and summary in
 * the app's registry and on its Express router in the same call, so the documented path is
 * the served path by construction. The registry belongs to the app (`createApp` makes one
 * and serves /openapi.json from it); nothing is module-global.
 */
import express, { type RequestHandler, type Router } from 'express';
import type { z } from 'zod';

export type Auth = 'client' | 'link' | 'bearer' | 'admin' | 'none' | 'oauth_client';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type RouteDoc = {
  method: Method;
  /** The full path as a caller spells it (`/widget/session`, `/api/v1/transactions`). */
  path: string;
  tag: string;
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  query?: z.ZodType;
  description?: string;
  /** The body's media type when it is not JSON (the OAuth endpoints take form-encoded bodies). */
  bodyType?: 'application/x-www-form-urlencoded';
  /** Served but left out of the OpenAPI document (static assets, the HTML reference itself). */
  hidden?: boolean;
};

/** What a route declares beside its handlers; the area supplies mount, tag and auth defaults. */
export type RouteSpec = Omit<RouteDoc, 'method' | 'path' | 'tag' | 'auth'> & { tag?: string; auth?: Auth };

export class RouteRegistry {
  readonly #docs = new Map<string, RouteDoc>();

  add(doc: RouteDoc): void {
    const key = `${doc.method.toUpperCase()} ${doc.path}`;
    if (this.#docs.has(key)) throw new Error(`Route ${key} is declared twice`);
    this.#docs.set(key, doc);
  }

  /** Every operation of the OpenAPI document, sorted by path. */
  documented(): RouteDoc[] {
    return [...this.#docs.values()].filter((d) => !d.hidden).sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  /** Every declared route, documented or not. */
  all(): RouteDoc[] {
    return [...this.#docs.values()];
  }
}

type Declare = (path: string, spec: RouteSpec, ...handlers: RequestHandler[]) => void;

export type RouteArea = {
  /** Where the app mounts `router` (`''` for the root). */
  readonly mount: string;
  readonly router: Router;
  readonly get: Declare;
  readonly post: Declare;
  readonly put: Declare;
  readonly patch: Declare;
  readonly delete: Declare;
  /** Middleware for every route of the area declared after it. */
  use(...handlers: RequestHandler[]): void;
};

/** A strict, case-sensitive router: `/LINK-TOKEN/` is not `/link-token`, one route, one spelling. */
export const strictRouter = (): Router => express.Router({ strict: true, caseSensitive: true });

export function routeArea(registry: RouteRegistry, options: { mount: string; tag: string; auth: Auth }): RouteArea {
  const router = strictRouter();
  const declare =
    (method: Method): Declare =>
    (path, spec, ...handlers) => {
      const { tag = options.tag, auth = options.auth, ...rest } = spec;
      registry.add({ method, path: `${options.mount}${path}`, tag, auth, ...rest });
      router[method](path, ...handlers);
    };
  return {
    mount: options.mount,
    router,
    get: declare('get'),
    post: declare('post'),
    put: declare('put'),
    patch: declare('patch'),
    delete: declare('delete'),
    use: (...handlers) => void router.use(...handlers),
  };
}
