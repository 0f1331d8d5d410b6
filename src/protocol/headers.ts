/** Message format version; a runtime rejects (dead-letters) versions it does not speak. */
export const PROTOCOL_VERSION = 1;

export const HEADERS = {
  protocol: 'x-warren-protocol',
  task: 'x-warren-task',
  attempt: 'x-warren-attempt',
  /** Epoch ms after which the caller no longer waits for the reply. */
  deadline: 'x-warren-deadline',
  /** Set on dead-letter entries: why the message ended there. */
  deadReason: 'x-warren-dead-reason',
  deadErrorName: 'x-warren-dead-error',
  deadAt: 'x-warren-dead-at',
  deadRuntime: 'x-warren-dead-runtime',
  deadQueue: 'x-warren-dead-queue',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';
