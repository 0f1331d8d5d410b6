import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidMessageError } from '../../src';
import { DIRECT_REPLY_TO_PREFIX, replyAddressProblem } from '../../src/protocol/reply-address';
import { decodeTaskRequest, encodeTaskRequest, peekTaskIdentity } from '../../src/protocol/task-request';

/** An Erlang pid in the external term format, as RabbitMQ encodes it into a direct reply-to address. */
function pidTerm(node: string, tag: 88 | 103 = 88, atomTag: 100 | 115 | 118 | 119 = 118): Buffer {
  const name = Buffer.from(node);
  const length = atomTag === 115 || atomTag === 119 ? Buffer.from([name.length]) : Buffer.from([0, name.length]);
  const tail = Buffer.alloc(tag === 88 ? 12 : 9, 7);
  return Buffer.concat([Buffer.from([131, tag, atomTag]), length, name, tail]);
}
const address = (pid: Buffer, key = 'N5+uruk4rCWTQGLLiGyVRQ==') => `${DIRECT_REPLY_TO_PREFIX}${pid.toString('base64')}.${key}`;

test('addresses RabbitMQ hands out, and ones it never decodes, can be replied to', () => {
  // The shape of a real one, taken from RabbitMQ 3.10: NEW_PID_EXT with an ATOM_UTF8_EXT node name.
  assert.equal(replyAddressProblem('amq.rabbitmq.reply-to.g1h2AA5yZXBseUAzMzM3ODU4MAAAJFcAAAAAawei/Q==.N5+uruk4rCWTQGLLiGyVRQ=='), undefined);
  for (const pid of [pidTerm('rabbit@host', 103), pidTerm('reply@1', 88, 119), pidTerm('reply@1', 88, 100), pidTerm('reply@1', 103, 115)]) {
    assert.equal(replyAddressProblem(address(pid)), undefined, pid.toString('hex'));
  }
  // Dropped by the broker without decoding: no dot, nothing before it, or not a direct reply-to address at all.
  for (const safe of ['amq.rabbitmq.reply-to.bogus', 'amq.rabbitmq.reply-to..key', 'amq.rabbitmq.reply-to', 'no-such-queue', 'amq.gen-Xa2']) {
    assert.equal(replyAddressProblem(safe), undefined, safe);
  }
});

test('addresses whose pid part RabbitMQ cannot decode are refused, saying why', () => {
  const cases: Array<[string, RegExp]> = [
    ['amq.rabbitmq.reply-to.abc!.def', /not base64/],
    [address(Buffer.from('hello world')), /not in the Erlang term format/],
    [address(Buffer.from([131, 97, 5])), /is not a pid/],
    [address(Buffer.from([131, 88])), /has no node name/],
    [address(Buffer.concat([pidTerm('reply@1'), Buffer.from([1])])), /wrong length/],
    [address(pidTerm('reply@1').subarray(0, 20)), /wrong length/],
    [address(pidTerm('no-at-sign')), /has no node name/],
  ];
  for (const [replyTo, reason] of cases) assert.match(replyAddressProblem(replyTo) ?? 'accepted', reason, replyTo);
});

test('a request with such a replyTo is an InvalidMessageError, and nobody is sent the rejection', () => {
  const replyTo = address(Buffer.from('hello world'));
  const { body, properties } = encodeTaskRequest({ id: 'i', task: 'A.b', args: [], attempt: 1, replyTo }, 1024);
  assert.throws(() => decodeTaskRequest(body, properties, 1024), (error: unknown) => error instanceof InvalidMessageError && /^replyTo ".*" is not a direct reply-to address/.test(error.message));
  assert.equal(peekTaskIdentity(properties).replyTo, undefined);
  assert.equal(peekTaskIdentity({ ...properties, replyTo: address(pidTerm('reply@1')) }).replyTo, address(pidTerm('reply@1')));
});
