/** Message format version; a runtime rejects (dead-letters) versions it does not speak. */
export const PROTOCOL_VERSION = 1;

export const HEADERS = {
  protocol: 'x-warren-protocol',
  task: 'x-warren-task',
  attempt: 'x-warren-attempt',
  /** Epoch ms after which the caller no longer waits for the reply. */
  deadline: 'x-warren-deadline',
  /** Epoch ms before which the task must not start (a countdown, an ETA, a retry's backoff). */
  dueAt: 'x-warren-due-at',
  /** On a task a schedule fired: the schedule's name. */
  schedule: 'x-warren-schedule',
  /** Epoch ms when the caller published the task: queue wait time is measured from it. */
  publishedAt: 'x-warren-published-at',
  /** Per-call override of the retry policy's attempts. */
  maxAttempts: 'x-warren-max-attempts',
  /** How often the runtime saw this message redelivered unacknowledged (a crash while running it). */
  redeliveries: 'x-warren-redeliveries',
  /** Epoch ms when a runtime that does not define the task first handed it back (a rolling deploy). */
  handedBackSince: 'x-warren-handed-back-since',
  /** How often runtimes that do not define the task handed it back. */
  handBacks: 'x-warren-hand-backs',
  firstFailureAt: 'x-warren-first-failure-at',
  lastError: 'x-warren-last-error',
  /** Set on dead-letter entries: why the message ended there. */
  deadReason: 'x-warren-dead-reason',
  deadErrorName: 'x-warren-dead-error',
  deadAt: 'x-warren-dead-at',
  deadStack: 'x-warren-dead-stack',
  deadAttempts: 'x-warren-dead-attempts',
  deadRuntime: 'x-warren-dead-runtime',
  deadQueue: 'x-warren-dead-queue',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';
