import type { PoolKind } from '../decorators/task-options';
import type { DeadLetterFilter } from '../admin/dead-letter-filter';
import type { ReplaySummary } from '../admin/replay-summary';
import { ReplayInterruptedError, describe } from '../errors';
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
  const ownQueues = () => runtime.queueStates();
  const busy = new Set<string>();

  /** Runs `work` on a queue of this runtime, one action per queue at a time; its answer is 200 unless it says otherwise. */
  const onQueue = async ({ response, params }: RequestContext, work: (queue: string) => Promise<unknown>): Promise<void> => {
    const queue = params[0] ?? '';
    if (!ownQueues().some((own) => own.queue === queue)) return sendError(response, 404, `This runtime has no queue '${queue}'`);
    if (busy.has(queue)) return sendError(response, 409, `Another action on the dead letters of '${queue}' is still running`);
    busy.add(queue);
    try {
      const answer = await work(queue);
      if (answer instanceof Answer) sendJson(response, answer.status, answer.body);
      else sendJson(response, 200, answer);
    } finally {
      busy.delete(queue);
      depths.invalidate();
    }
  };

  /**
   * A replay's summary, 200 even when some were skipped (the summary says which and why); 503 with
   * the summary so far when the broker went away during it.
   */
  const replay = async (queue: string, filter: DeadLetterFilter): Promise<({ queue: string } & ReplaySummary) | Answer> => {
    try {
      return { queue, ...(await runtime.admin.replay(queue, { filter })) };
    } catch (error) {
      if (error instanceof ReplayInterruptedError) return new Answer(503, { queue, ...error.summary, error: error.message });
      throw error;
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
    // Every runtime of the namespace, asked over the broker: 503 with the reason when it cannot be asked.
    {
      method: 'GET',
      path: /^\/api\/fleet$/,
      handle: async ({ response }) => {
        try {
          sendJson(response, 200, await runtime.fleet());
        } catch (error) {
          sendError(response, 503, `The other runtimes cannot be asked now: ${describe(error)}`);
        }
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
      // Newest first: ?offset= skips that many of the newest, ?limit= (at most 200) is the page.
      handle: (context) => {
        const limit = Math.min(200, Math.max(1, Number.parseInt(context.url.searchParams.get('limit') ?? '20', 10) || 20));
        const offset = Math.max(0, Number.parseInt(context.url.searchParams.get('offset') ?? '0', 10) || 0);
        return onQueue(context, async (queue) => ({ queue, ...(await runtime.admin.deadLetters(queue, { offset, limit })) }));
      },
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/replay$/,
      // Every dead letter, or those of ?task= and/or whose error or reason contains ?reason=.
      handle: (context) => {
        const filter = { task: context.url.searchParams.get('task') ?? undefined, reason: context.url.searchParams.get('reason') ?? undefined };
        return onQueue(context, (queue) => replay(queue, filter));
      },
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/purge$/,
      handle: (context) => onQueue(context, async (queue) => ({ queue, purged: await runtime.admin.purge(queue, 'dead') })),
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/([^/]+)\/replay$/,
      handle: (context) =>
        onQueue(context, async (queue) => {
          const taskId = context.params[1] ?? '';
          const answer = await replay(queue, { taskId });
          const summary = answer instanceof Answer ? undefined : answer;
          return summary && summary.replayed + summary.skipped === 0 ? new Answer(404, { error: `No dead letter with task id ${taskId} in '${queue}'` }) : answer;
        }),
    },
    {
      method: 'POST',
      path: /^\/api\/queues\/([^/]+)\/dead-letters\/([^/]+)\/delete$/,
      handle: (context) =>
        onQueue(context, async (queue) => {
          const taskId = context.params[1] ?? '';
          if (await runtime.admin.deleteDeadLetter(queue, taskId)) return { queue, deleted: taskId };
          return new Answer(404, { error: `No dead letter with task id ${taskId} in '${queue}'` });
        }),
    },
    {
      method: 'GET',
      path: /^\/api\/tasks\/([^/]+)$/,
      // The task page: its status, arguments, result or error, and its history across the runtimes.
      handle: async ({ response, params }) => sendJson(response, 200, await runtime.describeTask(decodeURIComponent(params[0] ?? ''))),
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

/** An answer other than 200 from an action on a queue. */
class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
