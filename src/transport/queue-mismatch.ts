import type { ChannelModel } from 'amqplib';
import { QueueTypeMismatchError } from '../errors';

/** One argument on which an existing queue and Warren's declaration differ; `undefined`: not set. */
export interface ArgumentDifference {
  readonly argument: string;
  readonly existing: string | undefined;
  readonly declared: string | undefined;
}

/** What RabbitMQ says about one side of an inequivalent argument: absent, or a value it printed (with its AMQP type when it gave one). */
type Side = { readonly value: string; readonly type: string | undefined } | undefined;

const SIDE = String.raw`none|the value '(?:[^']*)' of type '(?:[^']*)'|'(?:[^']*)'`;
const INEQUIVALENT = new RegExp(String.raw`inequivalent arg '([^']+)' for queue '[^']*' in vhost '[^']*': received (${SIDE}) but current is (${SIDE})`);

/**
 * Pure: the argument a PRECONDITION_FAILED message names, with both sides, or undefined when it
 * is about something else. RabbitMQ writes `none`, `'classic'`, or `the value '10' of type 'long'`.
 */
export function parseInequivalentArg(message: string): { argument: string; received: Side; current: Side } | undefined {
  const match = INEQUIVALENT.exec(message);
  if (!match) return undefined;
  return { argument: match[1] as string, received: parseSide(match[2] as string), current: parseSide(match[3] as string) };
}

function parseSide(text: string): Side {
  if (text === 'none') return undefined;
  const typed = /^the value '([^']*)' of type '([^']*)'$/.exec(text);
  if (typed) return { value: typed[1] as string, type: typed[2] };
  return { value: text.slice(1, -1), type: undefined };
}

/** The value to declare so that RabbitMQ finds this side equivalent: numbers for its numeric types (`long` is one, `longstr` a string). */
export function asDeclared(side: { value: string; type: string | undefined }): unknown {
  const numeric = side.type !== undefined && side.type !== 'longstr' && /int|long|short|byte|float|double|decimal/.test(side.type);
  if (numeric) return Number(side.value);
  if (side.type === 'bool') return side.value === 'true';
  return side.value;
}

/**
 * RabbitMQ names only the first inequivalent argument it checks, usually one Warren sets (the
 * dead-letter exchange), not the one an operator set. To name them all, declare again on
 * throwaway channels, each time taking the queue's side of the argument just named, until the
 * broker accepts (or stops naming arguments). Declaring the queue's own arguments changes nothing.
 */
export async function queueArgumentDifferences(connection: ChannelModel, queue: string, durable: boolean, declared: Readonly<Record<string, unknown>>, firstMessage: string): Promise<ArgumentDifference[]> {
  const differences: ArgumentDifference[] = [];
  const probe: Record<string, unknown> = { ...declared };
  let probeDurable = durable;
  let message = firstMessage;
  for (let round = 0; round < 32; round++) {
    const named = parseInequivalentArg(message);
    if (!named || differences.some((difference) => difference.argument === named.argument)) break;
    differences.push({ argument: named.argument, existing: named.current?.value, declared: named.received?.value });
    if (named.argument === 'durable') probeDurable = named.current?.value === 'true';
    else if (named.current === undefined) delete probe[named.argument];
    else probe[named.argument] = asDeclared(named.current);
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    try {
      // passive: false, so the broker checks every argument; the queue exists, so nothing is created.
      await channel.assertQueue(queue, { durable: probeDurable, arguments: probe });
      break;
    } catch (error) {
      message = (error as Error).message;
    } finally {
      await channel.close().catch(() => {});
    }
  }
  return differences;
}

/** One line per difference, for the error a start fails with. */
export function describeDifferences(differences: readonly ArgumentDifference[]): string {
  const show = (value: string | undefined) => (value === undefined ? 'none' : `'${value}'`);
  return differences.map(({ argument, existing, declared }) => `${argument}: the queue has ${show(existing)}, Warren declares ${show(declared)}`).join('; ');
}

/** The error for a queue whose type differs from the declared one (a queue without `x-queue-type` is classic), or undefined when its type is not among the differences. */
export function queueTypeMismatch(queue: string, differences: readonly ArgumentDifference[], cause: unknown): QueueTypeMismatchError | undefined {
  const type = differences.find((difference) => difference.argument === 'x-queue-type');
  if (!type) return undefined;
  return new QueueTypeMismatchError(queue, type.existing ?? 'classic', type.declared ?? 'classic', { cause, differences });
}
