import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidMessageError, PayloadTooLargeError } from '../../src';
import { HEADERS } from '../../src/protocol/headers';
import { serializeError } from '../../src/protocol/serialized-error';
import { decodeTaskReply, encodeTaskReply } from '../../src/protocol/task-reply';
import { decodeTaskRequest, encodeTaskRequest } from '../../src/protocol/task-request';

const MAX = 1024;

test('a request survives encode and decode', () => {
  const { body, properties } = encodeTaskRequest({ id: 'id-1', task: 'A.b', args: [1, { x: 'y' }], attempt: 1, replyTo: 'r' }, MAX);
  assert.equal(properties.persistent, true);
  assert.equal(properties.headers?.[HEADERS.protocol], 1);
  assert.deepEqual(decodeTaskRequest(body, properties, MAX), { id: 'id-1', task: 'A.b', args: [1, { x: 'y' }], attempt: 1, replyTo: 'r', deadline: undefined, dueAt: undefined, maxAttempts: undefined, trace: undefined });
  const delayed = encodeTaskRequest({ id: 'id-2', task: 'A.b', args: [], attempt: 1, dueAt: 1_800_000_000_000 }, MAX);
  assert.equal(decodeTaskRequest(delayed.body, delayed.properties, MAX).dueAt, 1_800_000_000_000, 'the due time travels in x-warren-due-at');
});

test('arguments over the size limit are refused before publishing', () => {
  assert.throws(() => encodeTaskRequest({ id: 'i', task: 'A.b', args: ['x'.repeat(MAX)], attempt: 1 }, MAX), PayloadTooLargeError);
});

test('arguments that are not JSON are refused before publishing', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeTaskRequest({ id: 'i', task: 'A.b', args: [cyclic], attempt: 1 }, MAX), /cannot be encoded as JSON/);
});

test('every kind of bad message is an InvalidMessageError that says what is wrong', () => {
  const good = encodeTaskRequest({ id: 'i', task: 'A.b', args: [], attempt: 1 }, MAX);
  const cases: Array<[string, Buffer, Record<string, unknown>, RegExp]> = [
    ['bad JSON', Buffer.from('{"args": ['), {}, /not valid JSON/],
    ['no args', Buffer.from('{"argz": []}'), {}, /"args" array/],
    ['null body', Buffer.from('null'), {}, /"args" array/],
    ['wrong content type', good.body, { contentType: 'text/plain' }, /Unsupported content type "text\/plain"/],
    ['no task header', good.body, { headers: { [HEADERS.protocol]: 1 } }, /Missing task name header/],
    ['unknown protocol', good.body, { headers: { [HEADERS.protocol]: 99, [HEADERS.task]: 'A.b' } }, /Unsupported protocol version 99/],
    ['too large', Buffer.from(JSON.stringify({ args: ['y'.repeat(MAX)] })), {}, /over the 1024-byte limit/],
  ];
  for (const [name, body, override, expected] of cases) {
    assert.throws(() => decodeTaskRequest(body, { ...good.properties, ...override }, MAX), (error: Error) => {
      assert.ok(error instanceof InvalidMessageError, name);
      assert.match(error.message, expected, name);
      return true;
    });
  }
});

test('__proto__ keys in arguments stay plain data', () => {
  const good = encodeTaskRequest({ id: 'i', task: 'A.b', args: [], attempt: 1 }, MAX);
  const request = decodeTaskRequest(Buffer.from('{"args":[{"__proto__":{"polluted":true}}]}'), good.properties, MAX);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(request.args[0]), Object.prototype);
});

test('errors keep their name, message, stack and extra fields across the wire', () => {
  const error = Object.assign(new TypeError('bad input'), { code: 'E_BAD', fn: () => 1 });
  const outcome = decodeTaskReply(encodeTaskReply('i', { ok: false, error: serializeError(error) }, MAX).body);
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.name, 'TypeError');
  assert.equal(outcome.error.message, 'bad input');
  assert.match(outcome.error.stack ?? '', /protocol\.test\.ts/);
  assert.deepEqual(outcome.error.data, { code: 'E_BAD' });
});

test('a result over the size limit becomes an error reply instead of an oversized message', () => {
  const outcome = decodeTaskReply(encodeTaskReply('i', { ok: true, result: 'z'.repeat(MAX) }, MAX).body);
  assert.equal(outcome.ok, false);
  if (!outcome.ok) assert.match(outcome.error.message, /Result is \d+ bytes, over the 1024-byte limit/);
});

test('a first attempt carries no attempt header; a later one does, and both decode to their attempt', () => {
  const first = encodeTaskRequest({ id: 'id-1', task: 'A.b', args: [], attempt: 1 }, MAX);
  const second = encodeTaskRequest({ id: 'id-1', task: 'A.b', args: [], attempt: 2 }, MAX);
  assert.equal(HEADERS.attempt in (first.properties.headers ?? {}), false);
  assert.equal(second.properties.headers?.[HEADERS.attempt], 2);
  assert.equal(decodeTaskRequest(first.body, first.properties, MAX).attempt, 1);
  assert.equal(decodeTaskRequest(second.body, second.properties, MAX).attempt, 2);
});

test('a body that is not UTF-8 is refused, even inside a JSON string, rather than run with replacement characters', () => {
  const { properties } = encodeTaskRequest({ id: 'id-u', task: 'A.b', args: [], attempt: 1 }, MAX);
  const body = Buffer.concat([Buffer.from('{"args": ["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
  assert.throws(() => decodeTaskRequest(body, properties, MAX), /^InvalidMessageError: Body is not valid UTF-8 \(16 bytes\)$/);
  assert.deepEqual(decodeTaskRequest(Buffer.from('{"args": ["żółw ✓"]}'), properties, MAX).args, ['żółw ✓']);
});
