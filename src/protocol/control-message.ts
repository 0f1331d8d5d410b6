import type { RuntimeSnapshot } from '../runtime/runtime-snapshot';
import type { RuntimeTaskRecord } from '../runtime/task-description';
import type { TaskStatus } from '../runtime/task-status';
import type { ScheduleView } from '../schedule/scheduler';

/** A question broadcast to every runtime on the control exchange. */
export type ControlRequest =
  | { readonly op: 'inspect' }
  /** `describe`: the answer carries the runtime's record of the task too (runtimes before it ignore the flag). */
  | { readonly op: 'status'; readonly taskId: string; readonly describe?: boolean }
  | { readonly op: 'pause-schedule'; readonly name: string; readonly paused: boolean };

/**
 * One runtime's answer. `status` (and `record`) are absent when the runtime does not know the task; `schedule`
 * is present only from the runtime that holds the schedules, which applied the pause.
 */
export type ControlReply =
  | { readonly runtime: string; readonly snapshot: RuntimeSnapshot }
  | { readonly runtime: string; readonly status?: TaskStatus; readonly record?: RuntimeTaskRecord }
  | { readonly runtime: string; readonly schedule?: ScheduleView };

export function parseControlRequest(body: Buffer): ControlRequest | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { op?: unknown; taskId?: unknown; describe?: unknown; name?: unknown; paused?: unknown };
    if (parsed.op === 'inspect') return { op: 'inspect' };
    if (parsed.op === 'status' && typeof parsed.taskId === 'string') return { op: 'status', taskId: parsed.taskId, describe: parsed.describe === true };
    if (parsed.op === 'pause-schedule' && typeof parsed.name === 'string' && typeof parsed.paused === 'boolean') return { op: 'pause-schedule', name: parsed.name, paused: parsed.paused };
  } catch {
    // not a control message: ignored
  }
  return undefined;
}
