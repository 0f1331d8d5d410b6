import { createHash, randomUUID } from 'node:crypto';

/** A W3C trace context (https://www.w3.org/TR/trace-context/): which trace, which parent span. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

/** `00-` + 32 hex + `-` + 16 hex + `-` + 2 hex. */
const TRACEPARENT_LENGTH = 55;

/** Parses a `traceparent` header; anything malformed (or all-zero ids) is no trace context. */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const header = value.trim();
  // Checked character by character: this runs once per task, where a regex and its captures allocated.
  if (header.length !== TRACEPARENT_LENGTH || !header.startsWith('00-') || header[35] !== '-' || header[52] !== '-') return undefined;
  if (!isLowerHex(header, 3, 35) || !isLowerHex(header, 36, 52) || !isLowerHex(header, 53, 55)) return undefined;
  if (isZeros(header, 3, 35) || isZeros(header, 36, 52)) return undefined;
  return { traceId: header.slice(3, 35), spanId: header.slice(36, 52), flags: Number.parseInt(header.slice(53), 16) };
}

export function formatTraceparent({ traceId, spanId, flags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
}

/**
 * A new trace, sampled, for a call made outside any trace. `taskId` is the random UUID the call
 * already has: its 32 hex digits (122 random bits) make the trace id and its first 16 the span
 * id, so no second random draw is needed, and a task's trace id is its id without the dashes.
 * An id that is not a lower-case UUID (a foreign publisher's "job-7") is hashed instead: its
 * trace is as stable as the id, the same in every runtime and retry that derives it.
 */
export function newTraceParent(taskId: string = randomUUID()): TraceParent {
  let hex = taskId.replaceAll('-', '');
  if (hex.length !== 32 || !isLowerHex(hex, 0, 32)) hex = createHash('sha256').update(taskId).digest('hex').slice(0, 32);
  return { traceId: hex, spanId: hex.slice(0, 16), flags: 1 };
}

/**
 * The trace context of a task published outside any trace: derived from its id, so the caller
 * need not send it and every runtime that handles the task (and its retries) derives the same one.
 */
export function traceparentForTask(taskId: string): string {
  return formatTraceparent(newTraceParent(taskId));
}

function isLowerHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

function isZeros(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== 48) return false;
  return true;
}
