import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { context, INVALID_SPAN_CONTEXT, propagation, SpanKind, trace, type Context, type Span, type SpanContext, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { consumerAttributes, producerAttributes } from '../../src/tracing/messaging-attributes';
import { publishInTrace, runInTrace, tracingActive } from '../../src/tracing/trace-propagation';

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
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

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
    assert.equal(started[0]?.name, 'process A.b');
    assert.equal(started[0]?.kind, SpanKind.CONSUMER);
    assert.equal(started[0]?.parent?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(started[0]?.parent?.spanId, '00f067aa0ba902b7');
  });

  test("with the real SDK, the publish is a PRODUCER span under the caller's, and the run a CONSUMER span under the publish", async () => {
    const exporter = new InMemorySpanExporter();
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    let sent: Record<string, string> | undefined;
    await trace.getTracer('app').startActiveSpan('checkout', async (caller) => {
      await publishInTrace('Images.resize', () => producerAttributes('warren', 'Images.resize', 'id-1'), async (headers) => void (sent = headers));
      caller.end();
    });
    assert.ok(sent?.traceparent, 'the task carries a traceparent');
    await runInTrace('Images.resize', sent.traceparent, () => consumerAttributes({ queue: 'warren.images', task: 'Images.resize', taskId: 'id-1', attempt: 1 }), async () => 'done');

    const [publish, checkout, run] = ['publish Images.resize', 'checkout', 'process Images.resize'].map((name) => exporter.getFinishedSpans().find((span) => span.name === name));
    assert.ok(publish && checkout && run, exporter.getFinishedSpans().map((span) => span.name).join(', '));
    assert.equal(publish.kind, SpanKind.PRODUCER);
    assert.equal(publish.parentSpanContext?.spanId, checkout.spanContext().spanId);
    assert.equal(run.kind, SpanKind.CONSUMER);
    assert.equal(run.parentSpanContext?.spanId, publish.spanContext().spanId, 'the run is the child of the publish');
    assert.equal(run.spanContext().traceId, checkout.spanContext().traceId);
    assert.deepEqual(
      [publish.attributes['messaging.system'], publish.attributes['messaging.operation.type'], publish.attributes['messaging.destination.name'], publish.attributes['messaging.rabbitmq.destination.routing_key'], publish.attributes['messaging.message.id']],
      ['rabbitmq', 'send', 'warren', 'Images.resize', 'id-1'],
    );
    assert.deepEqual([run.attributes['messaging.operation.type'], run.attributes['messaging.destination.name'], run.attributes['messaging.message.id']], ['process', 'warren.images', 'id-1']);
  });
});
