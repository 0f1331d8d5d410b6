import type { Piscina } from 'piscina';
import type { Logger } from 'pino';

type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
/** piscina's load balancer: which of its workers gets a task, or null for none now. */
export type LoadBalancer = NonNullable<PiscinaOptions['loadBalancer']>;
type PiscinaWorker = Parameters<LoadBalancer>[1][number];

export type RecycleReason = 'tasks' | 'heap';

/** One CPU thread replaced between tasks: which, why, and the thread that took its place. */
export interface ThreadRecycle {
  readonly thread: number;
  readonly reason: RecycleReason;
  /** Tasks the thread was handed. */
  readonly tasks: number;
  /** Its heap in use after its last task, when that is the reason. */
  readonly heapMb: number | undefined;
  readonly replacement: number;
}

export interface ThreadRecyclerOptions {
  /** Threads that take tasks; one more, the spare, waits loaded to replace the next one due. */
  readonly threads: number;
  readonly maxTasksPerThread: number | undefined;
  readonly maxHeapMbPerThread: number | undefined;
  readonly logger: Logger;
  /** Ends a worker thread (idle, and no longer handed tasks). */
  readonly terminate: (threadId: number) => void;
  readonly onRecycle?: (recycle: ThreadRecycle) => void;
}

/** A spare takes no task until it replaces a thread; a retiring thread finishes its task, then leaves. */
type Role = 'serving' | 'spare' | 'retiring' | 'leaving';

interface Thread {
  readonly worker: PiscinaWorker;
  role: Role;
  tasks: number;
  due: { readonly reason: RecycleReason; readonly heapMb: number | undefined } | undefined;
}

/**
 * Replaces a CPU thread past `maxTasksPerThread` tasks or `maxHeapMbPerThread` of heap between
 * its tasks, as Celery's max_tasks_per_child and max_memory_per_child do for processes.
 *
 * piscina hands a worker its next task the moment it answers, and spawns a worker only when
 * one is lost or its balancer finds none free, so the pool keeps `threads + 1` workers (piscina's
 * minThreads = maxThreads) and this load balancer hands tasks to `threads` of them: the spare has
 * imported the job modules and built its container when a thread falls due, takes its place at
 * once, and the retired thread is ended when idle; piscina then starts the next spare itself.
 * A thread falls due when it is handed its last task (counted here, where tasks are handed out) or
 * reports its heap past the limit after a task; while no spare is loaded it keeps serving, so
 * capacity never drops.
 */
export class ThreadRecycler {
  private readonly byId = new Map<number, Thread>();
  /** Threads that have loaded (they may say so before piscina announces them). */
  private readonly loaded = new Set<number>();
  private readonly counts: Record<RecycleReason, number> = { tasks: 0, heap: 0 };
  private closed = false;
  private sparesFail = false;

  constructor(private readonly options: ThreadRecyclerOptions) {}

  /** Threads recycled since start, by reason. */
  get recycled(): Readonly<Record<RecycleReason, number>> {
    return this.counts;
  }

  /** Thread ids handed tasks now: `threads` of them, loaded, unless one was just lost. */
  get serving(): number[] {
    return [...this.byId].flatMap(([id, thread]) => (thread.role === 'serving' ? [id] : []));
  }

  /** piscina's balancer: a free serving thread, those not yet due first. */
  readonly balance: LoadBalancer = (_task, workers) => {
    let chosen: Thread | undefined;
    for (const worker of workers) {
      const thread = this.byId.get(worker.id);
      if (thread?.role !== 'serving' || worker.currentUsage !== 0) continue;
      chosen = thread;
      if (!thread.due) break;
    }
    if (!chosen) return null;
    chosen.tasks++;
    const max = this.options.maxTasksPerThread;
    // Swapped once piscina has handed it this task: until then it looks idle, and would be ended.
    if (max !== undefined && chosen.tasks >= max && !chosen.due) {
      chosen.due = { reason: 'tasks', heapMb: undefined };
      queueMicrotask(() => this.swap());
    }
    return chosen.worker;
  };

  /** piscina's `workerCreate`: the worker has started (a replacement: and loaded its entry). */
  created(worker: PiscinaWorker): void {
    if (this.closed) return;
    const role: Role = this.serving.length < this.options.threads ? 'serving' : 'spare';
    this.byId.set(worker.id, { worker, role, tasks: 0, due: undefined });
    if (role === 'spare') this.swap();
  }

  /** The worker's own word that its job modules and container are loaded. */
  threadLoaded(threadId: number): void {
    if (this.closed) return;
    this.loaded.add(threadId);
    this.swap();
  }

  /** A thread's heap after a task passed `maxHeapMbPerThread`. */
  heapOver(threadId: number, heapMb: number): void {
    const thread = this.byId.get(threadId);
    if (this.closed || thread?.role !== 'serving' || thread.due) return;
    thread.due = { reason: 'heap', heapMb };
    this.swap();
  }

  /** A task ended: a retired thread that has become idle can go. */
  taskEnded(): void {
    for (const [id, thread] of this.byId) if (thread.role === 'retiring' && thread.worker.currentUsage === 0) this.end(id);
  }

  /** piscina's `workerDestroy`: retired, crashed, killed by a hard limit, or the pool closing. */
  destroyed(): void {
    if (this.closed) return;
    // The destroyed worker's id reads -1 by now: it is found by its state.
    const gone = [...this.byId].find(([, thread]) => thread.worker.destroyed);
    if (!gone) {
      // One piscina had not announced: it died while loading, and piscina starts no more; the serving threads go on.
      if (!this.sparesFail) this.options.logger.error('a CPU worker thread died while loading: no spare thread replaces the CPU threads past their limits from now on');
      this.sparesFail = true;
      return;
    }
    const [id, thread] = gone;
    this.byId.delete(id);
    this.loaded.delete(id);
    if (thread.role === 'serving') {
      // A crash: the spare takes its place now, loaded or not, rather than after a new thread loads.
      const spare = this.spare(false);
      if (spare) spare.role = 'serving';
    }
  }

  close(): void {
    this.closed = true;
  }

  /** A loaded spare takes the place of a due thread, which leaves once idle. */
  private swap(): void {
    if (this.closed) return;
    const spare = this.spare(true);
    if (!spare) return;
    const due = [...this.byId].find(([, thread]) => thread.role === 'serving' && thread.due);
    if (!due) return;
    const [id, thread] = due;
    const { reason, heapMb } = thread.due!;
    spare.role = 'serving';
    thread.role = 'retiring';
    this.counts[reason]++;
    const recycle: ThreadRecycle = { thread: id, reason, tasks: thread.tasks, heapMb, replacement: spare.worker.id };
    const why = reason === 'tasks' ? `after ${thread.tasks} tasks (pools.cpu.maxTasksPerThread ${this.options.maxTasksPerThread})` : `at ${heapMb} MB of heap (pools.cpu.maxHeapMbPerThread ${this.options.maxHeapMbPerThread})`;
    this.options.logger.info(recycle, `CPU thread ${id} recycled ${why}: thread ${spare.worker.id} replaces it`);
    this.options.onRecycle?.(recycle);
    if (thread.worker.currentUsage === 0) this.end(id);
  }

  private spare(loadedOnly: boolean): Thread | undefined {
    for (const [id, thread] of this.byId) if (thread.role === 'spare' && (!loadedOnly || this.loaded.has(id))) return thread;
    return undefined;
  }

  private end(id: number): void {
    const thread = this.byId.get(id);
    if (thread?.role !== 'retiring') return;
    // Kept until piscina's workerDestroy, so it is never handed a task meanwhile.
    thread.role = 'leaving';
    this.options.terminate(id);
  }
}
