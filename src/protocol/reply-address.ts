/** RabbitMQ's direct reply-to pseudo-queue; a caller's own address is this, a dot, and a suffix. */
export const DIRECT_REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ETF_VERSION = 131;
const NEW_PID_EXT = 88;
const PID_EXT = 103;
/** Bytes after the node name: id, serial and creation (4 + 4 + 4 in NEW_PID_EXT, 4 + 4 + 1 in PID_EXT). */
const PID_TAIL = { [NEW_PID_EXT]: 12, [PID_EXT]: 9 } as const;
/** Atom tags and the size of their length field. */
const ATOM_LENGTH_BYTES: Readonly<Record<number, 1 | 2>> = { 118: 2, 119: 1, 100: 2, 115: 1 };

let lastSound: string | undefined;

/**
 * What is wrong with a `replyTo` that would break the connection a reply is published on, or
 * undefined when a reply can be sent to it.
 *
 * A direct reply-to address is `amq.rabbitmq.reply-to.<pid>.<key>`, where `<pid>` is the base64
 * of an Erlang pid in the external term format. RabbitMQ (3.10 at least) decodes it when a reply
 * is published, and when it does not decode to a pid the broker closes the whole connection with
 * INTERNAL_ERROR: every channel and consumer of the runtime, and the unacknowledged request comes
 * back to crash it again. An address nobody consumes any more, or any other queue name, is safe:
 * the broker drops what is published to it.
 *
 * This checks the shape, not that the pid is alive: a well-formed pid for a node the broker does
 * not know also breaks the connection. The redelivery limit ends that: the message is
 * dead-lettered, and acknowledged before its rejection reply goes out.
 */
export function replyAddressProblem(replyTo: string): string | undefined {
  if (replyTo === lastSound || !replyTo.startsWith(DIRECT_REPLY_TO_PREFIX)) return undefined;
  const suffix = replyTo.slice(DIRECT_REPLY_TO_PREFIX.length);
  const dot = suffix.indexOf('.');
  // Without a dot, or with nothing before it, RabbitMQ does not decode the address: it drops the reply.
  if (dot <= 0) return undefined;
  const encoded = suffix.slice(0, dot);
  if (!BASE64.test(encoded)) return 'is not a direct reply-to address: its pid part is not base64';
  const problem = pidProblem(Buffer.from(encoded, 'base64'));
  if (problem) return `is not a direct reply-to address: its pid part ${problem}`;
  lastSound = replyTo; // a caller's address is the same for all its calls
  return undefined;
}

function pidProblem(bytes: Buffer): string | undefined {
  if (bytes[0] !== ETF_VERSION) return 'is not in the Erlang term format';
  const tag = bytes[1] as number;
  const tail = tag === NEW_PID_EXT || tag === PID_EXT ? PID_TAIL[tag] : undefined;
  if (tail === undefined) return 'is not a pid';
  const lengthBytes = ATOM_LENGTH_BYTES[bytes[2] as number];
  if (lengthBytes === undefined || bytes.length < 3 + lengthBytes) return 'has no node name';
  const nodeLength = lengthBytes === 1 ? (bytes[3] as number) : bytes.readUInt16BE(3);
  const nodeStart = 3 + lengthBytes;
  if (bytes.length !== nodeStart + nodeLength + tail) return 'has the wrong length';
  if (!bytes.subarray(nodeStart, nodeStart + nodeLength).includes(0x40 /* @ */)) return 'has no node name';
  return undefined;
}
