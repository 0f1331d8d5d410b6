import { RpcTimeoutError, type WarrenError } from '../errors';
import { DeadlineClock, type Deadline } from '../util/deadline-clock';

interface PendingCall {
  readonly task: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: Deadline;
  /** The broker confirmed its publish: its reply can only come through the reply channel it named. */
  published: boolean;
}

/**
 * Calls waiting for their reply, by task id. Every entry leaves on its reply, its timeout, or close.
 * Timeouts run on one clock for all calls: a timer set and cleared per call was a measurable part
 * of a round trip.
 */
export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();
  /** keepAlive: a waiting call keeps the process alive until its reply or its timeout. */
  private readonly clock = new DeadlineClock(true);

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call before it is published, so even an instant reply finds it. */
  add(taskId: string, task: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const deadline = this.clock.schedule(timeoutMs, () => {
        this.calls.delete(taskId);
        reject(new RpcTimeoutError(task, taskId, timeoutMs));
      });
      this.calls.set(taskId, { task, resolve, reject, deadline, published: false });
    });
  }

  /** Whether the call still waits: false once it was answered, timed out or failed. */
  has(taskId: string): boolean {
    return this.calls.has(taskId);
  }

  /** Takes the entry out; `undefined` when the caller already gave up (a late reply). */
  take(taskId: string): PendingCall | undefined {
    const call = this.calls.get(taskId);
    if (!call) return undefined;
    this.calls.delete(taskId);
    call.deadline.cancel();
    return call;
  }

  fail(taskId: string, error: Error): void {
    this.take(taskId)?.reject(error);
  }

  failAll(error: WarrenError): void {
    for (const taskId of [...this.calls.keys()]) this.fail(taskId, error);
  }

  markPublished(taskId: string): void {
    const call = this.calls.get(taskId);
    if (call) call.published = true;
  }

  /** Fails the calls already published; those still publishing are published again on the channel that replaces it. */
  failPublished(error: WarrenError): void {
    for (const [taskId, call] of [...this.calls]) if (call.published) this.fail(taskId, error);
  }
}
