import type { Runtime } from '../runtime/runtime';
import type { RuntimeMetrics } from '../metrics/runtime-metrics';
import { sendJson, sendText } from './respond';
import type { Route } from './routes';

/** Health, readiness and metrics: open to probes and scrapers, and never waiting on the broker for health. */
export function probeRoutes(runtime: Runtime, metrics: RuntimeMetrics): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/healthz$/,
      open: true,
      // Alive is all it says: a broker outage is for /readyz, and restarting us would not fix it.
      handle: ({ response }) => sendJson(response, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: /^\/readyz$/,
      open: true,
      handle: ({ response }) => {
        const ready = runtime.ready;
        const { state } = runtime.snapshot();
        sendJson(response, ready ? 200 : 503, { ready, state: ready ? state : state === 'running' ? 'reconnecting' : state });
      },
    },
    {
      method: 'GET',
      path: /^\/metrics$/,
      open: true,
      handle: async ({ response }) => sendText(response, 200, await metrics.render(), { 'content-type': metrics.contentType }),
    },
  ];
}
