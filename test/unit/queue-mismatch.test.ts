import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asDeclared, describeDifferences, parseInequivalentArg } from '../../src/transport/queue-mismatch';

// RabbitMQ 3.10's own wording, as the broker sent it.
test('RabbitMQ\'s inequivalent-argument messages are read in each of the forms it writes', () => {
  const prefix = "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg";
  assert.deepEqual(parseInequivalentArg(`${prefix} 'x-dead-letter-exchange' for queue 'q' in vhost '/': received the value 'ns.dead' of type 'longstr' but current is none"`), {
    argument: 'x-dead-letter-exchange',
    received: { value: 'ns.dead', type: 'longstr' },
    current: undefined,
  });
  assert.deepEqual(parseInequivalentArg(`${prefix} 'x-queue-type' for queue 'q' in vhost '/': received 'quorum' but current is 'classic'"`), {
    argument: 'x-queue-type',
    received: { value: 'quorum', type: undefined },
    current: { value: 'classic', type: undefined },
  });
  assert.deepEqual(parseInequivalentArg(`${prefix} 'x-max-length' for queue 'q' in vhost 'a b': received none but current is the value '10' of type 'signedint'"`), {
    argument: 'x-max-length',
    received: undefined,
    current: { value: '10', type: 'signedint' },
  });
  assert.equal(parseInequivalentArg('NOT_FOUND - no queue'), undefined);
});

test("the queue's side is declared back with its AMQP type: a longstr stays a string, numbers and booleans are not", () => {
  assert.equal(asDeclared({ value: 'at-least-once', type: 'longstr' }), 'at-least-once');
  assert.equal(asDeclared({ value: '6', type: 'byte' }), 6);
  assert.equal(asDeclared({ value: '10', type: 'long' }), 10);
  assert.equal(asDeclared({ value: 'true', type: 'bool' }), true);
  assert.equal(asDeclared({ value: 'quorum', type: undefined }), 'quorum');
});

test('differences read as one line each side', () => {
  assert.equal(
    describeDifferences([
      { argument: 'x-max-length', existing: '10', declared: undefined },
      { argument: 'x-queue-type', existing: 'classic', declared: 'quorum' },
    ]),
    "x-max-length: the queue has '10', Warren declares none; x-queue-type: the queue has 'classic', Warren declares 'quorum'",
  );
});
