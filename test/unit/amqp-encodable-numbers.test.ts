import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { withEncodableNumbers } from '../../src/transport/amqp-delivery';

// amqplib's own table encoder (not exported: loaded by its path): what it throws for is what a copy of such a header would hit.
const codec = createRequire(__filename)(path.join(path.dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as { encodeTable(buffer: Buffer, table: unknown, offset: number): number };
const encodes = (headers: Record<string, unknown>): boolean => {
  try {
    codec.encodeTable(Buffer.alloc(1024), headers, 0);
    return true;
  } catch {
    return false;
  }
};

test('header numbers amqplib would write as 64-bit integers but cannot are marked as doubles; every other value is left as it is', () => {
  const headers = { low: -1e19, nan: Number.NaN, minusInfinity: -Infinity, small: 7, big: 2 ** 60, fraction: 0.5, text: 'x', nested: { a: 1 } };
  assert.equal(encodes(headers), false, 'amqplib refuses the original');
  const fixed = withEncodableNumbers({ headers, messageId: 'm' });
  assert.equal(encodes(fixed.headers as Record<string, unknown>), true);
  assert.deepEqual(fixed.headers, {
    low: { '!': 'double', value: -1e19 },
    nan: { '!': 'double', value: Number.NaN },
    minusInfinity: { '!': 'double', value: -Infinity },
    small: 7,
    big: { '!': 'double', value: 2 ** 60 },
    fraction: { '!': 'double', value: 0.5 },
    text: 'x',
    nested: { a: 1 },
  });
  assert.equal(fixed.messageId, 'm');
});
