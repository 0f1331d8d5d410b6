import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { INVALID_SPAN_CONTEXT, SpanKind, trace, type Context, type Span, type SpanContext, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { runInTrace, tracingActive } from '../../src/tracing/trace-propagation';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A tracer provider that records the spans started through it, as an SDK's would. */
function recordingProvider(): { started: Array<{ name: string; kind: SpanKind | undefined; parent: SpanContext | undefined }>; provider: { getTracer(): Tracer } } {
  const started: Array<{ name: string; kind: SpanKind | undefined; parent: SpanContext | undefined }> = [];
  const span = (): Span => trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const tracer = {
    startSpan: span,
    startActiveSpan: (name: string, options: SpanOptions, parent: Context, fn: (span: Span) => unknown) => {
      started.push({ name, kind: options.kind, parent: trace.getSpanContext(parent) });
      return fn(span());
    },
  } as unknown as Tracer;
  return { started, provider: { getTracer: () => tracer } };
}

describe('trace propagation', () => {
  afterEach(() => trace.disable());

  test('with no OpenTelemetry SDK, a task runs without a span', async () => {
    assert.equal(tracingActive(), false);
    assert.equal(await runInTrace('A.b', CALLER, () => assert.fail('no attributes are built'), async () => 42), 42);
  });

  test("with an SDK, a task runs in a CONSUMER span whose parent is the caller's", async () => {
    const { started, provider } = recordingProvider();
    trace.setGlobalTracerProvider(provider);
    assert.equal(tracingActive(), true);
    assert.equal(await runInTrace('A.b', CALLER, () => ({ 'warren.task': 'A.b' }), async () => 42), 42);
    assert.equal(started.length, 1);
    assert.equal(started[0]?.name, 'A.b process');
    assert.equal(started[0]?.kind, SpanKind.CONSUMER);
    assert.equal(started[0]?.parent?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(started[0]?.parent?.spanId, '00f067aa0ba902b7');
  });
});
