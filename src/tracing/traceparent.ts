import { randomUUID } from 'node:crypto';

/** A W3C trace context (https://www.w3.org/TR/trace-context/): which trace, which parent span. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a `traceparent` header; anything malformed (or all-zero ids) is no trace context. */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

export function formatTraceparent({ traceId, spanId, flags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
}

/**
 * A new trace, sampled, for a call made outside any trace. `spanSeed` is a random UUID the caller
 * already has (the task id): its first 16 hex digits make the span id, saving a second draw.
 */
export function newTraceParent(spanSeed: string = randomUUID()): TraceParent {
  // randomUUID draws from a cached entropy pool; randomBytes makes a call into the system per use.
  // Dashes removed, its 32 hex digits are as random as a trace id needs (122 bits).
  const traceId = randomUUID().replaceAll('-', '');
  return { traceId, spanId: spanSeed.slice(0, 8) + spanSeed.slice(9, 13) + spanSeed.slice(14, 18), flags: 1 };
}
