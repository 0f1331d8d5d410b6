import type { Attributes, Span } from '@opentelemetry/api';
import { lazily } from '../util/lazily';
import { formatTraceparent, parseTraceparent } from './traceparent';

/** Where every copy of @opentelemetry/api 1.x keeps what an SDK registered (the API's own global key). */
export const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');

/**
 * Whether anything (a tracer provider, propagator or context manager) was registered through
 * the API: until then there is no trace to join, and the API need not even be loaded.
 */
function sdkRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[GLOBAL_API_KEY] !== undefined;
}

const otel = lazily(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  // What the API hands out while no SDK has registered a tracer provider.
  return { api, noopTracerProvider: new api.ProxyTracerProvider().getDelegate() };
});

/**
 * Trace headers for a task being published: the caller's trace when OpenTelemetry has an active
 * one (through whatever propagator the application's SDK installed, or the active span itself).
 * Outside any trace, none: the task's trace is then derived from its id on the runtime's side
 * (`traceparentForTask`), so every task's logs can still be joined across caller, runtime and
 * worker thread without a header to encode, route and decode for each message.
 */
export function outgoingTraceHeaders(): Record<string, string> | undefined {
  if (!sdkRegistered()) return undefined;
  const { context, propagation, trace } = otel().api;
  const active = context.active();
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  if (carrier.traceparent) return carrier;
  const span = trace.getSpanContext(active);
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  carrier.traceparent = formatTraceparent({ traceId: span.traceId, spanId: span.spanId, flags: span.traceFlags });
  return carrier;
}

/**
 * Whether an OpenTelemetry SDK is in this process: a tracer provider, or at least a propagator.
 * Asked per task, so one registered after the runtime started still counts.
 */
export function tracingActive(): boolean {
  if (!sdkRegistered()) return false;
  const { api, noopTracerProvider } = otel();
  const { propagation, ProxyTracerProvider, trace } = api;
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== noopTracerProvider) return true;
  return propagation.fields().length > 0;
}

/**
 * Publishes a task inside a PRODUCER span, child of the caller's active span, whose context is
 * what the task's headers carry: the task's CONSUMER span is then the child of its publish. With
 * no SDK, no span: the headers carry the caller's context as they find it (or none).
 */
export function publishInTrace<T>(task: string, attributes: () => Attributes, publish: (trace: Record<string, string> | undefined) => Promise<T>): Promise<T> {
  if (!tracingActive()) return publish(outgoingTraceHeaders());
  const { SpanKind, trace } = otel().api;
  return trace.getTracer('warren').startActiveSpan(`publish ${task}`, { kind: SpanKind.PRODUCER, attributes: attributes() }, (span) => endWith(span, () => publish(outgoingTraceHeaders())));
}

/**
 * Runs a task inside a CONSUMER span that continues the caller's trace, so the task's own spans
 * (and instrumented libraries it calls) join it. With no OpenTelemetry SDK in the process there
 * is nothing to record or propagate, and the task runs as it is: the span, its context and its
 * attributes were a tenth of a no-op task's cost. The caller's `traceparent` still reaches the
 * task (`currentTask().traceparent`) and its events either way.
 */
export function runInTrace<T>(task: string, traceparent: string | undefined, attributes: () => Attributes, work: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return work();
  const { propagation, ROOT_CONTEXT, SpanKind, trace } = otel().api;
  let parent = propagation.extract(ROOT_CONTEXT, traceparent ? { traceparent } : {});
  const parsed = parseTraceparent(traceparent);
  if (!trace.getSpanContext(parent) && parsed) {
    // No propagator installed (no SDK): read the W3C header ourselves.
    parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.flags, isRemote: true });
  }
  return trace.getTracer('warren').startActiveSpan(`process ${task}`, { kind: SpanKind.CONSUMER, attributes: attributes() }, parent, (span) => endWith(span, work));
}

/** Runs `work`, then ends the span with its outcome. */
async function endWith<T>(span: Span, work: () => Promise<T>): Promise<T> {
  const { SpanStatusCode } = otel().api;
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
}
