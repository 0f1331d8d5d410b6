import { RpcTimeoutError, type WarrenError } from '../errors';

interface PendingCall {
  readonly task: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Calls waiting for their reply, by task id. Every entry leaves on its reply, its timeout, or close. */
export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call before it is published, so even an instant reply finds it. */
  add(taskId: string, task: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(taskId);
        reject(new RpcTimeoutError(task, taskId, timeoutMs));
      }, timeoutMs);
      this.calls.set(taskId, { task, resolve, reject, timer });
    });
  }

  /** Takes the entry out; `undefined` when the caller already gave up (a late reply). */
  take(taskId: string): PendingCall | undefined {
    const call = this.calls.get(taskId);
    if (!call) return undefined;
    this.calls.delete(taskId);
    clearTimeout(call.timer);
    return call;
  }

  fail(taskId: string, error: Error): void {
    this.take(taskId)?.reject(error);
  }

  failAll(error: WarrenError): void {
    for (const taskId of [...this.calls.keys()]) this.fail(taskId, error);
  }
}
