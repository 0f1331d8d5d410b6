import type { Logger } from 'pino';
import { describe } from '../errors';

/** One part of a running runtime (the event publisher, the consumers, the scheduler...): started in order, stopped in reverse. */
export interface RuntimePart {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * Starts the parts one after the other, each once the one before it is up: what a part depends
 * on is started before it. If one fails, those already started are stopped, in reverse, and the
 * failure is thrown.
 */
export async function startParts(parts: readonly RuntimePart[], logger: Logger): Promise<void> {
  const started: RuntimePart[] = [];
  try {
    for (const part of parts) {
      await part.start();
      started.push(part);
    }
  } catch (error) {
    await stopParts(started, logger);
    throw error;
  }
}

/** Stops the parts in the reverse of their start order; a part that fails to stop is logged, and the others still stop. */
export async function stopParts(parts: readonly RuntimePart[], logger: Logger): Promise<void> {
  for (const part of [...parts].reverse()) {
    try {
      await part.stop();
    } catch (error) {
      logger.error({ err: error, part: part.name }, `stopping the ${part.name} failed: ${describe(error)}`);
    }
  }
}
