import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { outgoingTraceHeaders } from '../../src/tracing/trace-propagation';
import { formatTraceparent, newTraceParent, parseTraceparent, traceparentForTask } from '../../src/tracing/traceparent';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  test('parses a W3C traceparent and formats it back', () => {
    const parsed = parseTraceparent(` ${VALID} `);
    assert.deepEqual(parsed, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    assert.equal(formatTraceparent(parsed!), VALID);
  });

  test('anything malformed is no trace context', () => {
    const malformed = [
      undefined,
      42,
      '',
      VALID.slice(0, -1),
      `${VALID}0`,
      VALID.replace(/^00/, '01'),
      VALID.replace('4bf9', '4BF9'), // upper case is not allowed
      VALID.replace('4bf9', '4bg9'),
      VALID.replace('-00f0', '_00f0'),
      VALID.replace(/-01$/, '-0x'),
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, // all-zero trace id
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`, // all-zero span id
    ];
    for (const value of malformed) assert.equal(parseTraceparent(value), undefined, String(value));
  });

  test("a new trace is made from the task's id: its trace id is the id without dashes", () => {
    const taskId = randomUUID();
    const fresh = newTraceParent(taskId);
    assert.equal(fresh.traceId, taskId.replaceAll('-', ''));
    assert.equal(fresh.spanId, fresh.traceId.slice(0, 16));
    assert.equal(fresh.flags, 1);
    assert.deepEqual(parseTraceparent(formatTraceparent(fresh)), fresh);
  });

  test('outside any trace a call sends no trace header: both sides derive the same context from the task id', () => {
    assert.equal(outgoingTraceHeaders(), undefined);
    const taskId = randomUUID();
    assert.equal(traceparentForTask(taskId), traceparentForTask(taskId));
    assert.equal(parseTraceparent(traceparentForTask(taskId))?.traceId, taskId.replaceAll('-', ''));
  });

  test('an id that is not a UUID gets a valid trace of its own, the same wherever it is derived', () => {
    const [a, b] = [newTraceParent('job-7'), newTraceParent('job-7')];
    assert.deepEqual(parseTraceparent(formatTraceparent(a)), a);
    assert.deepEqual(a, b);
    assert.notEqual(newTraceParent('job-8').traceId, a.traceId);
    const upper = randomUUID().toUpperCase();
    assert.equal(traceparentForTask(upper), traceparentForTask(upper), 'an upper-case UUID too');
    assert.notEqual(newTraceParent().traceId, newTraceParent().traceId, 'without an id: a random trace');
  });
});
