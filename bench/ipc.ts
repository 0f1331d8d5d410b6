/**
 * The control protocol between the bench process and a server child (the Warren runtime or the
 * raw amqplib baseline), over Node's IPC channel (`process.send`).
 */

export type QueueKind = 'io' | 'cpu';

/** RSS samples taken in the child every `RSS_SAMPLE_MS` while sampling is on. */
export interface RssSamples {
  readonly samples: number[];
  readonly maxBytes: number;
}

export const RSS_SAMPLE_MS = 50;

export type Request =
  /** Resolve `reached` once `count` more tasks of `queue` have completed (counting from now). */
  | { readonly op: 'arm'; readonly queue: QueueKind; readonly count: number }
  /** Completed tasks per queue so far. */
  | { readonly op: 'counts' }
  /** When the first and the latest task of `queue` completed, in ms of the child's clock (NaN before any). */
  | { readonly op: 'completion-times'; readonly queue: QueueKind }
  /** Resolve `reached` once the total completed of `queue` is `target` (absolute). */
  | { readonly op: 'arm-total'; readonly queue: QueueKind; readonly target: number }
  | { readonly op: 'rss' }
  /** Where the main thread's memory is: `process.memoryUsage()`, V8's heap spaces, and the loaded modules by package. */
  | { readonly op: 'memory'; readonly gc?: boolean }
  /** Writes a V8 heap snapshot of the main thread into `dir`; answers its path. */
  | { readonly op: 'heap-snapshot'; readonly dir: string }
  /** `process.cpuUsage()` of the whole child (all its threads), in µs. */
  | { readonly op: 'cpu-usage' }
  | { readonly op: 'rss-sampling'; readonly on: boolean }
  /** Total wall time of the kernels the child has run, and how many, as its KernelClock counted them. */
  | { readonly op: 'kernel-time' }
  /** Baseline only: run the kernel `count` times serially in the child's main thread. */
  | { readonly op: 'serial-kernel'; readonly n: number; readonly count: number }
  | { readonly op: 'stop' };

export type Op = Request['op'];

export interface Counts {
  readonly io: number;
  readonly cpu: number;
  readonly failed: number;
}

export interface Responses {
  readonly arm: { readonly armId: number };
  readonly 'arm-total': { readonly armId: number };
  readonly counts: Counts;
  readonly 'completion-times': { readonly firstMs: number; readonly lastMs: number };
  readonly rss: { readonly bytes: number };
  readonly memory: MemoryBreakdown;
  readonly 'heap-snapshot': { readonly file: string };
  readonly 'cpu-usage': { readonly user: number; readonly system: number };
  readonly 'rss-sampling': RssSamples;
  readonly 'kernel-time': { readonly totalMs: number; readonly kernels: number };
  readonly 'serial-kernel': { readonly wallMs: number; readonly checksum: number };
  readonly stop: { readonly stopped: true };
}

export interface MemoryBreakdown {
  readonly usage: NodeJS.MemoryUsage;
  /** V8 heap spaces of the main thread: used bytes per space. */
  readonly heapSpaces: Readonly<Record<string, number>>;
  /** Modules in require.cache, counted by package (or 'own code'), and their source bytes on disk. */
  readonly modules: ReadonlyArray<{ readonly area: string; readonly count: number; readonly bytes: number }>;
  /** Threads of the process (worker threads included), from /proc. */
  readonly threads: number | undefined;
}

export interface ServerInfo {
  readonly system: string;
  readonly pid: number;
  /** The consumers' prefetch per queue. */
  readonly prefetch: { readonly io: number; readonly cpu: number };
  /** Worker threads of the CPU pool (0: CPU tasks run on the main thread). */
  readonly threads: number;
  readonly startupMs: number;
  /** What the server declared on the broker, so the bench can delete it afterwards. */
  readonly declared: { readonly queues: readonly string[]; readonly exchanges: readonly string[] };
}

export type ToChild = { readonly kind: 'request'; readonly id: number; readonly request: Request };

export type FromChild =
  | { readonly kind: 'ready'; readonly info: ServerInfo }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly value: Responses[Op] }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly kind: 'reached'; readonly armId: number; readonly counts: Counts }
  | { readonly kind: 'fatal'; readonly error: string };
