import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe } from '../errors';
import type { Logger } from '../logging/logger';
import { QueueDepthCache } from '../metrics/queue-depth-cache';
import { createRuntimeMetrics } from '../metrics/runtime-metrics';
import type { Runtime } from '../runtime/runtime';
import type { TaskEvent } from '../runtime/task-event';
import { Access, checkHttpOptions, crossSiteReason } from './access';
import { apiRoutes } from './api-routes';
import { dashboardRoutes, exchangeToken, unauthorizedPage } from './dashboard-routes';
import { probeRoutes } from './probe-routes';
import { sendError, sendHtml } from './respond';
import { matchRoute, type Route } from './routes';
import { TaskHistory } from './task-history';
import { TaskStream } from './task-stream';
import { portError } from './port-check';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1. Anything beyond loopback needs `token`. */
  readonly host?: string;
  /** Required by the dashboard and its API when set (always set beyond loopback); never by /healthz, /readyz, /metrics. */
  readonly token?: string;
  /** Default: the runtime's. */
  readonly logger?: Logger;
}

export interface HttpServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464/`. */
  readonly url: string;
  /** Stops listening, ends the event streams and in-flight requests, stops counting metrics. */
  close(): Promise<void>;
}

/** How long `close()` lets requests in flight (a replay, say) finish before cutting them. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The runtime's HTTP face: `/healthz`, `/readyz` and `/metrics` for machines, and at `/` a
 * dashboard with its JSON API and live event stream for people. Refuses to bind beyond loopback
 * without a token.
 */
export async function startHttpServer(runtime: Runtime, options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  checkHttpOptions({ host, token: options.token });
  const logger = (options.logger ?? runtime.logger).child({ component: 'http' });

  const queueNames = runtime.queueStates().map((queue) => queue.queue);
  const depths = new QueueDepthCache(() => runtime.admin.queues(queueNames));
  const metrics = createRuntimeMetrics(runtime, { depths });
  const history = new TaskHistory();
  const stream = new TaskStream(history);
  const onTask = (event: TaskEvent) => stream.push(history.record(event));
  runtime.on('task', onTask);

  const access = new Access(options.token);
  const routes: Route[] = [...probeRoutes(runtime, metrics), ...dashboardRoutes(), ...apiRoutes({ runtime, depths, history, stream })];

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.warn({ err: error, method: request.method, url: request.url }, 'http request failed');
      if (!response.headersSent) sendError(response, 500, describe(error));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://warren.invalid');
    let match: ReturnType<typeof matchRoute>;
    try {
      match = matchRoute(routes, request.method ?? 'GET', url.pathname);
    } catch {
      return sendError(response, 400, 'Malformed path');
    }
    if (!match) return sendError(response, 404, `No such endpoint: ${url.pathname}`);
    if ('allowed' in match) return sendError(response, 405, `Use ${match.allowed.join(' or ')}`, { allow: match.allowed.join(', ') });
    const { route, params } = match;
    if (!route.open) {
      if (url.pathname === '/' && url.searchParams.has('token') && access.requiresToken) return exchangeToken(access, url, response);
      const denied = access.deny(request);
      if (denied) {
        if (url.pathname === '/') return sendHtml(response, denied.status, unauthorizedPage(denied.status, denied.reason));
        return sendError(response, denied.status, `Forbidden: ${denied.reason}`, denied.status === 401 ? { 'www-authenticate': 'Bearer realm="warren"' } : {});
      }
    }
    if (route.method === 'POST') {
      const crossSite = crossSiteReason(request);
      if (crossSite) return sendError(response, 403, `Cross-site request refused: ${crossSite}`);
    }
    await route.handle({ request, response, url, params });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    runtime.off('task', onTask);
    stream.close();
    metrics.close();
    throw portError(host, options.port, error as NodeJS.ErrnoException);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  logger.info({ url, token: access.requiresToken }, 'http server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        runtime.off('task', onTask);
        metrics.close();
        server.close(() => resolve());
        stream.close(); // event streams never end by themselves
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        cut.unref();
        server.once('close', () => clearTimeout(cut));
      })),
  };
}
