import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { coalesceWrites } from '../../src/transport/write-coalescing';

/** A loopback pair: what the client socket sends, the server side collects. */
interface Pair {
  readonly client: Socket;
  readonly received: () => string;
  /** Resolves once the server has received this many bytes in all. */
  readonly receivedBytes: (count: number) => Promise<void>;
  /** The client's calls into the socket's system-call layer: one entry per write(2)/writev(2), with its chunk count. */
  readonly syscalls: number[];
}

let server: Server;
let pair: Pair;

beforeEach(async () => {
  let data = '';
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  server = createServer((socket) =>
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      for (const waiter of waiters.splice(0)) {
        if (data.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.setNoDelay(true);
  await once(client, 'connect');
  const syscalls: number[] = [];
  // The stream implementer's hooks: Writable calls _write for one chunk and _writev for several.
  const internals = client as unknown as { _write: (...args: unknown[]) => void; _writev: (chunks: unknown[], ...rest: unknown[]) => void };
  const write = internals._write.bind(client);
  const writev = internals._writev.bind(client);
  internals._write = (...args) => {
    syscalls.push(1);
    write(...args);
  };
  internals._writev = (chunks, ...rest) => {
    syscalls.push(chunks.length);
    writev(chunks, ...rest);
  };
  pair = {
    client,
    received: () => data,
    receivedBytes: (count) => (data.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    syscalls,
  };
});

afterEach(async () => {
  pair.client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('the first write of a turn leaves at once; the rest of the turn leaves as one writev, in order', async () => {
  coalesceWrites(pair.client);
  pair.client.write('reply 1;');
  assert.deepEqual(pair.syscalls, [1], 'the first write is not held');
  pair.client.write('ack;');
  pair.client.write(Buffer.from('reply 2;'));
  pair.client.write('ack 2;');
  assert.deepEqual(pair.syscalls, [1], 'the rest waits for the end of the turn');
  await pair.receivedBytes(26);
  assert.deepEqual(pair.syscalls, [1, 3]);
  assert.equal(pair.received(), 'reply 1;ack;reply 2;ack 2;');
});

test('without it, each write is a system call of its own (what amqplib does)', async () => {
  pair.client.write('reply;');
  pair.client.write('ack;');
  pair.client.write('reply 2;');
  await pair.receivedBytes(18);
  assert.deepEqual(pair.syscalls, [1, 1, 1]);
});

test('a write is never held for a later one: each turn leaves at its end', async () => {
  coalesceWrites(pair.client);
  pair.client.write('first;');
  pair.client.write('second;');
  await pair.receivedBytes(13);
  await nextTurn();
  pair.client.write('third;');
  pair.client.write('fourth;');
  pair.client.write('fifth;');
  await pair.receivedBytes(32);
  assert.deepEqual(pair.syscalls, [1, 1, 1, 2], 'each turn: its first write, then the rest of it together');
  assert.equal(pair.received(), 'first;second;third;fourth;fifth;');
});

test('past the high-water mark a corked write says so, and everything still arrives once drained', async () => {
  coalesceWrites(pair.client);
  const chunk = 'x'.repeat(pair.client.writableHighWaterMark);
  pair.client.write('first;');
  assert.equal(pair.client.write(chunk), false, 'a full buffer asks the writer to wait for drain, as amqplib does');
  const drained = once(pair.client, 'drain');
  pair.client.write('tail;');
  await drained;
  await pair.receivedBytes(chunk.length + 11);
  assert.equal(pair.received(), `first;${chunk}tail;`);
});

test('end() in the same turn flushes what was corked', async () => {
  coalesceWrites(pair.client);
  pair.client.write('first;');
  pair.client.write('last words;');
  pair.client.end();
  await pair.receivedBytes(17);
  assert.equal(pair.received(), 'first;last words;');
});
