import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedTask, SecondSummary, TaskHistory } from './task-history';

export interface TaskStreamOptions {
  /** Task events are sent in batches this often. Default 250 ms. */
  readonly flushMs?: number;
  /** At most this many events per batch; the rest are only counted (`skipped`). Default 50. */
  readonly maxEventsPerFlush?: number;
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 000 ms. */
  readonly heartbeatMs?: number;
}

/**
 * Server-Sent Events for the dashboard. `tasks`: batches of finished tasks (a busy runtime
 * finishes thousands a second; a page needs a sample, so each batch is capped and says how many it
 * left out). `second`: the summary of each second that just ended, for the charts. A client that
 * reads slower than we write is skipped until its socket drains, never buffered without end.
 */
export class TaskStream {
  private readonly clients = new Set<ServerResponse>();
  private pending: RecordedTask[] = [];
  private skipped = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private secondTimer: NodeJS.Timeout | undefined;
  private readonly maxEventsPerFlush: number;

  constructor(
    private readonly history: TaskHistory,
    options: TaskStreamOptions = {},
  ) {
    this.maxEventsPerFlush = options.maxEventsPerFlush ?? 50;
    this.timers.push(setInterval(() => this.flush(), options.flushMs ?? 250).unref());
    this.timers.push(setInterval(() => this.broadcast(': ping\n\n'), options.heartbeatMs ?? 15_000).unref());
    this.scheduleSecond();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  open(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no', // nginx would otherwise hold events back
    });
    response.write('retry: 2000\n\n');
    response.flushHeaders();
    this.clients.add(response);
    const forget = () => this.clients.delete(response);
    request.on('close', forget);
    response.on('close', forget);
  }

  push(task: RecordedTask): void {
    if (this.clients.size === 0) return;
    if (this.pending.length < this.maxEventsPerFlush) this.pending.push(task);
    else this.skipped++;
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.secondTimer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private flush(): void {
    if (this.pending.length === 0 && this.skipped === 0) return;
    const batch = { events: this.pending, skipped: this.skipped };
    this.pending = [];
    this.skipped = 0;
    this.broadcast(message('tasks', batch));
  }

  /** Fires just after each second ends, so the summary it sends is complete. */
  private scheduleSecond(): void {
    const now = Date.now();
    this.secondTimer = setTimeout(() => {
      const ended: SecondSummary = this.history.summary(Math.floor(Date.now() / 1000) - 1);
      if (this.clients.size > 0) this.broadcast(message('second', ended));
      this.scheduleSecond();
    }, 1_000 - (now % 1_000) + 20).unref();
  }

  private broadcast(text: string): void {
    for (const client of this.clients) {
      if (client.writableNeedDrain || client.destroyed) continue;
      client.write(text);
    }
  }
}

function message(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
