import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { formatTraceparent, newTraceParent, parseTraceparent } from './traceparent';

/**
 * Trace headers for a task being published: the caller's trace when OpenTelemetry has an active
 * one (through whatever propagator the application's SDK installed), otherwise a fresh trace, so
 * every task's logs can still be joined across caller, runtime and worker thread.
 */
export function outgoingTraceHeaders(spanSeed?: string): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) {
    const active = trace.getSpanContext(context.active());
    const parent = active && trace.isSpanContextValid(active) ? { traceId: active.traceId, spanId: active.spanId, flags: active.traceFlags } : newTraceParent(spanSeed);
    carrier.traceparent = formatTraceparent(parent);
  }
  return carrier;
}

/**
 * Runs a task inside a CONSUMER span that continues the caller's trace. With no OpenTelemetry SDK
 * registered the span is a no-op and costs next to nothing; with one, the task's own spans (and
 * instrumented libraries it calls) join the caller's trace.
 */
export function runInTrace<T>(task: string, traceparent: string | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  let parent = propagation.extract(ROOT_CONTEXT, traceparent ? { traceparent } : {});
  const parsed = parseTraceparent(traceparent);
  if (!trace.getSpanContext(parent) && parsed) {
    // No propagator installed (no SDK): read the W3C header ourselves.
    parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.flags, isRemote: true });
  }
  return trace.getTracer('warren').startActiveSpan(`${task} process`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      const result = await work();
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}
