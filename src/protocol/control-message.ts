import type { RuntimeSnapshot } from '../runtime/runtime-snapshot';
import type { TaskStatus } from '../runtime/task-status';

/** A question broadcast to every runtime on the control exchange. */
export type ControlRequest = { readonly op: 'inspect' } | { readonly op: 'status'; readonly taskId: string };

/** One runtime's answer. `status` is absent when the runtime does not know the task. */
export type ControlReply = { readonly runtime: string; readonly snapshot: RuntimeSnapshot } | { readonly runtime: string; readonly status?: TaskStatus };

export function parseControlRequest(body: Buffer): ControlRequest | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { op?: unknown; taskId?: unknown };
    if (parsed.op === 'inspect') return { op: 'inspect' };
    if (parsed.op === 'status' && typeof parsed.taskId === 'string') return { op: 'status', taskId: parsed.taskId };
  } catch {
    // not a control message: ignored
  }
  return undefined;
}
