import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Channel, Message } from 'amqplib';
import { AckBatcher } from '../../src/transport/ack-batcher';

function fakeChannel() {
  const frames: string[] = [];
  const channel = {
    ack: (message: Message, allUpTo?: boolean) => frames.push(`ack ${message.fields.deliveryTag}${allUpTo ? ' multiple' : ''}`),
    nack: (message: Message, _allUpTo?: boolean, requeue?: boolean) => frames.push(`nack ${message.fields.deliveryTag}${requeue ? ' requeue' : ''}`),
  } as unknown as Channel;
  return { channel, frames };
}
const message = (tag: number) => ({ fields: { deliveryTag: tag } }) as Message;

test('acks settled together leave as one multiple ack up to the first delivery still running', () => {
  const { channel, frames } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3, 4, 5]) acks.delivered(message(tag));
  acks.ack(message(1));
  acks.ack(message(2));
  acks.ack(message(4)); // 3 is still running: 4 must not be covered by a multiple ack
  acks.flush();
  assert.deepEqual(frames, ['ack 2 multiple', 'ack 4']);
  acks.ack(message(3));
  acks.ack(message(5));
  acks.flush();
  assert.deepEqual(frames.slice(2), ['ack 5 multiple'], '3 and 5 complete the run (4 was already acked alone)');
});

test('a nack goes out at once, after the acks settled before it', () => {
  const { channel, frames } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3]) acks.delivered(message(tag));
  acks.ack(message(1));
  acks.nack(message(2), true);
  acks.ack(message(3));
  acks.flush();
  assert.deepEqual(frames, ['ack 1 multiple', 'nack 2 requeue', 'ack 3 multiple']);
});
