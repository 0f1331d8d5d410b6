import { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';

/**
 * amqplib hands each frame to the socket on its own: under load, every reply, ack and publish is a
 * write(2) call and, with TCP_NODELAY, a TCP segment the broker wakes up for. With this, the first
 * write of a turn of the event loop still leaves at once, and the socket is corked for whatever
 * else that turn writes, which leaves as one writev at the end of the turn (process.nextTick).
 *
 * Why the first write is not held too: at one call in flight a turn writes a reply and then its
 * request's ack, and holding the reply for the ack made the caller measurably slower (see
 * bench/HISTORY.md). The first write is the one someone waits for. Nothing waits for a timer,
 * and order is kept.
 *
 * While corked, a write past the socket's high-water mark returns false, as any buffered write
 * does, and amqplib's writer waits for 'drain' as it always has.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write;
  let turn: 'idle' | 'first written' | 'corked' = 'idle';
  const endTurn = (): void => {
    if (turn === 'corked') socket.uncork();
    turn = 'idle';
  };
  socket.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (turn === 'idle') {
      turn = 'first written';
      process.nextTick(endTurn);
    } else if (turn === 'first written') {
      turn = 'corked';
      socket.cork();
    }
    return write.apply(this, args);
  } as Socket['write'];
}

/**
 * The TCP (or TLS) socket under an amqplib connection. amqplib keeps it as `connection.stream`,
 * which its types do not declare; undefined if a future version keeps it elsewhere (a RabbitMQ
 * test fails then, rather than the coalescing silently stopping).
 */
export function socketOf(model: ChannelModel): Socket | undefined {
  const stream = (model.connection as { stream?: unknown }).stream;
  return stream instanceof Socket ? stream : undefined;
}
