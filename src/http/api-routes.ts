import type { PoolKind } from '../decorators/task-options';
import { describe } from '../errors';
import type { QueueDepthCache } from '../metrics/queue-depth-cache';
import type { Runtime } from '../runtime/runtime';
import { sendError, sendJson } from './respond';
import type { RequestContext, Route } from './routes';
import type { TaskHistory } from './task-history';
import type { TaskStream } from './task-stream';

export interface ApiDependencies {
  readonly runtime: Runtime;
  readonly depths: QueueDepthCache;
  readonly history: TaskHistory;
  readonly stream: TaskStream;
}

/** A queue of this runtime, as the dashboard lists it: the plan, what the broker says, and its recent rate. */
export interface DashboardQueue {
  readonly queue: string;
  readonly brokerQueue: string;
  readonly pool: PoolKind;
  readonly prefetch: number;
  readonly running: number;
  readonly messages: number | undefined;
  readonly consumers: number | undefined;
  readonly deadLetters: number | undefined;
  /** Tasks finished per second here, over the last 10 s. */
  readonly ratePerSecond: number;
}

/** The dashboard's JSON API and its event stream. Only this runtime's queues can be read or changed. */
export function apiRoutes({ runtime, depths, history, stream }: ApiDependencies): Route[] {
  const ownQueues = () => runtime.snapshot().queues;
  const busy = new Set<string>();

  /** Runs `work` on a queue of this runtime, one action per queue at a time. */
  const onQueue = async ({ response, params }: RequestContext, work: (queue: string) => Promise<unknown>): Promise<void> => {
    const queue = params[0] ?? '';
    if (!ownQueues().some((own) => own.queue === queue)) return sendError(response, 404, `This runtime has no queue '${queue}'`);
    if (busy.has(queue)) return sendError(response, 409, `Another replay or purge of '${queue}' is still running`);
    busy.add(queue);
    try {
      sendJson(response, 200, await work(queue));
    } finally {
      busy.delete(queue);
      depths.invalidate();
    }
  };

  return [
    // brokerBlocked: the broker's resource alarm ("low on memory") while it blocks this runtime's publishes, else null.
    { method: 'GET', path: /^\/api\/snapshot$/, handle: ({ response }) => sendJson(response, 200, { ...runtime.snapshot(), brokerBlocked: runtime.brokerBlocked ?? null }) },
    {
      method: 'GET',
      path: /^\/api\/queues$/,
      handle: async ({ response }) => {
        // The latest depths at once, however old: the plan and rates are worth showing during an outage too.
        const known = await depths.known();
        const summaries = known.summaries;
        const depthsError = known.error ? describe(known.error) : undefined;
        const queues: DashboardQueue[] = ownQueues().map((own) => {
          const summary = summaries.find((s) => s.queue === own.queue);
          return {
            queue: own.queue,
            brokerQueue: own.brokerQueue,
            pool: own.pool,
            prefetch: own.prefetch,
            running: own.running,
            messages: summary?.messages,
            consumers: summary?.consumers,
            deadLetters: summary?.deadLetters,
            ratePerSecond: history.rate(own.queue),
          };
        });
        sendJson(response, 200, { queues, depthsError, depthsAgeMs: known.ageMs ?? null });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/history$/,
      handle: ({ response }) => sendJson(response, 200, { seconds: history.seconds(), recent: history.recent(), failures: history.failures() }),
    },
    {
      method: 'GET',
      path: /^\/api\/queues\/([^/]+)\/dead-letters$/,
      handle: (context) => {
        const limit = Math.min(200, Math.max(1, Number.parseInt(context.url.searchParams.get('limit') ?? '20', 10) || 20));
        return onQueue(context, async (queue) => ({ queue, entries: await runtime.admin.deadLetters(queue, limit) }));
      },
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/replay$/,
      handle: (context) =>
        onQueue(context, async (queue) => {
          // Only what is there now: a replayed task that fails again at once must not be replayed again in this loop.
          const present = (await runtime.admin.queues([queue]))[0]?.deadLetters ?? 0;
          const replayed = present > 0 ? await runtime.admin.replay(queue, { limit: present }) : 0;
          return { queue, replayed };
        }),
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/purge$/,
      handle: (context) => onQueue(context, async (queue) => ({ queue, purged: await runtime.admin.purge(queue, 'dead') })),
    },
    // Every runtime's schedules, with the holder's firings: asked over the control exchange, so it takes a moment.
    { method: 'GET', path: /^\/api\/schedules$/, handle: async ({ response }) => sendJson(response, 200, { schedules: await runtime.schedules() }) },
    {
      method: 'POST',
      path: /^\/api\/schedules\/([^/]+)\/(pause|resume)$/,
      handle: async ({ response, params }) => {
        try {
          sendJson(response, 200, { schedule: await runtime.pauseSchedule(params[0] ?? '', params[1] === 'pause') });
        } catch (error) {
          sendError(response, 404, describe(error));
        }
      },
    },
    { method: 'GET', path: /^\/api\/events$/, handle: ({ request, response }) => stream.open(request, response) },
  ];
}
