import type { Logger } from '../logging/logger';
import { EventLoopStallMonitor } from './event-loop-stall-monitor';
import type { IoRunSeen, WatchedIoPool } from './watched-io-pool';

/** A stall of the main thread's event loop, with the I/O runs that were in flight when it happened. */
export interface IoStall {
  readonly stalledMs: number;
  readonly thresholdMs: number;
  /** I/O runs in flight while the loop was blocked: the block is one of them, or none. */
  readonly runs: readonly IoRunSeen[];
  /** Runs that ended in the same interval and were not kept (beyond 1 000). */
  readonly moreRuns: number;
}

export interface IoStallReporterOptions {
  readonly io: WatchedIoPool;
  readonly thresholdMs: number;
  readonly heartbeatSeconds: number;
  readonly logger: Logger;
  readonly onStall: (stall: IoStall) => void;
}

/**
 * Watches the main thread's event loop and warns about each stall past the threshold, naming the
 * I/O tasks that were running: while it lasts, no queue is served, no ack, reply or heartbeat
 * goes out, and CPU results wait too. Which of those tasks blocked cannot be told from here.
 */
export function reportIoStalls({ io, thresholdMs, heartbeatSeconds, logger, onStall }: IoStallReporterOptions): EventLoopStallMonitor {
  const monitor = new EventLoopStallMonitor({
    thresholdMs,
    busy: () => io.inFlight > 0,
    onTick: (stall) => {
      // The block began by stalledMs before it was noticed, and ended after `endedAfter`: a run
      // started after it, or ended before it, did not block.
      const { runs, more } = stall ? io.look(stall.noticedAt - stall.stalledMs + 1, stall.endedAfter - 1) : io.look();
      if (!stall) return;
      const event: IoStall = { stalledMs: stall.stalledMs, thresholdMs, runs, moreRuns: more };
      logger.warn(
        { stalledMs: stall.stalledMs, thresholdMs, tasks: runs.slice(0, 20).map(({ task, taskId, attempt }) => ({ task, taskId, attempt })) },
        describeStall(event, heartbeatSeconds),
      );
      onStall(event);
    },
  });
  monitor.start();
  return monitor;
}

/** The warning's text: how long, what was running (by task name, with counts), what it cost, what to do. */
export function describeStall({ stalledMs, thresholdMs, runs, moreRuns }: IoStall, heartbeatSeconds: number): string {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.task, (counts.get(run.task) ?? 0) + 1);
  const named = [...counts].map(([task, count]) => (count > 1 ? `${task} (${count} runs)` : `${task} (task ${runs.find((run) => run.task === task)?.taskId})`));
  const running = named.length === 0 ? 'No I/O task was running: the block was in other code on the main thread' : `I/O tasks running then: ${named.join(', ')}${moreRuns ? ` and ${moreRuns} more runs` : ''}`;
  const heartbeat = heartbeatSeconds > 0 && stalledMs >= heartbeatSeconds * 1000 ? `; longer than the ${heartbeatSeconds} s heartbeat: the broker may close the connection, and the deliveries in flight then run again` : '';
  return (
    `event loop blocked for ${stalledMs} ms (threshold ${thresholdMs} ms): no queue, ack, reply or heartbeat was served meanwhile${heartbeat}. ` +
    `${running}. I/O tasks must not block the main thread: move CPU-bound work to a pool: 'cpu' task`
  );
}
