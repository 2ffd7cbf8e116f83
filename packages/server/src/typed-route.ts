import type { AppRouteMutation } from '@ts-rest/core';
import type { AppRouteMutationImplementation } from '@ts-rest/express';
import type { Request, Response } from 'express';

/** What a route handler answers: a status and the JSON body to send with it. */
export interface RouteResult {
  status: number;
  body: unknown;
}

/** A contract route's handler, callable with a body the preflight already parsed. */
export interface TypedRoute {
  path: string;
  serve(body: unknown, req: Request, res: Response): Promise<RouteResult>;
}

type RouteInput<R extends AppRouteMutation> = Parameters<AppRouteMutationImplementation<R>>[0];

/**
 * Binds a handler typed against its contract route (`AppRouteImplementation`) without
 * ts-rest's express glue, which would parse every body with zod a second time. The body
 * comes from the preflight, which parsed it with this route's own contract schema, so it
 * has the type the handler expects.
 */
export function typedRoute<R extends AppRouteMutation>(
  route: R,
  implementation: AppRouteMutationImplementation<R>,
): TypedRoute {
  return {
    path: route.path,
    serve(body, req, res) {
      const input = {
        params: req.params,
        body,
        headers: req.headers,
        // Express 5 parses the query string on each read; no broker route looks at it.
        get query() {
          return req.query;
        },
        files: undefined,
        file: undefined,
        req,
        res,
      };
      return implementation(input as unknown as RouteInput<R>);
    },
  };
}
