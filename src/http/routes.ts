import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** The route pattern's captured groups, URI-decoded. */
  readonly params: readonly string[];
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  /** Probes and scrapes (`/healthz`, `/readyz`, `/metrics`) need no token; everything else does. */
  readonly open?: boolean;
  handle(context: RequestContext): Promise<void> | void;
}

export type RouteMatch = { readonly route: Route; readonly params: string[] } | { readonly allowed: readonly string[] } | undefined;

/** The route for a method and path; or, when only the method is wrong, the methods the path allows. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const found = route.path.exec(pathname);
    if (!found) continue;
    if (route.method === method) {
      const params = found.slice(1).map((part) => decodeURIComponent(part));
      return { route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
