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
        const { state } = runtime.snapshot();
        // A resource alarm: the broker reads nothing more from this connection (acks, replies,
        // retries) until it clears, so the runtime serves nobody meanwhile.
        const blocked = runtime.brokerBlocked;
        if (blocked !== undefined && state === 'running') return sendJson(response, 503, { ready: false, state: 'broker blocked', blocked: `RabbitMQ is blocking publishes: ${blocked}` });
        const ready = runtime.ready;
        if (ready) return sendJson(response, 200, { ready, state });
        // Connected, but a queue is not served (the broker took its consumer away): say which.
        const paused = runtime.pausedForStore;
        if (paused.length > 0 && state === 'running') return sendJson(response, 503, { ready, state: 'result store unreachable', pausedQueues: paused, resultStore: runtime.resultStore?.description });
        const missingConsumers = runtime.missingConsumers;
        const why = state !== 'running' ? state : runtime.brokerConnected ? 'consumer missing' : 'reconnecting';
        sendJson(response, 503, missingConsumers.length > 0 ? { ready, state: why, missingConsumers } : { ready, state: why });
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
