/**
 * Celery's task message protocol, version 2 (what `task.delay()` sends with the JSON serializer),
 * so the bench process can call a Celery worker through the same raw amqplib caller as the baseline.
 * https://docs.celeryq.dev/en/stable/internals/protocol.html
 */
import type { Options } from 'amqplib';

export const CELERY_TASKS = { noop: 'bench.noop', echo: 'bench.echo' } as const;

export interface CeleryMessage {
  readonly body: Buffer;
  readonly options: Options.Publish;
}

export function celeryTaskMessage(task: string, id: string, args: readonly unknown[], replyTo: string): CeleryMessage {
  const body = JSON.stringify([args, {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  return {
    body: Buffer.from(body),
    options: {
      persistent: true,
      mandatory: true,
      correlationId: id,
      replyTo,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      priority: 0,
      headers: {
        lang: 'py',
        task,
        id,
        shadow: null,
        eta: null,
        expires: null,
        group: null,
        group_index: null,
        retries: 0,
        timelimit: [null, null],
        root_id: id,
        parent_id: null,
        argsrepr: `(${args.map((arg) => JSON.stringify(arg)).join(', ')}${args.length === 1 ? ',' : ''})`,
        kwargsrepr: '{}',
        origin: `bench@${process.pid}`,
        ignore_result: false,
      },
    },
  };
}

/** The rpc:// backend's result message body. */
export interface CeleryResult {
  readonly status: string;
  readonly result: unknown;
  readonly task_id: string;
}
