import { InvalidMessageError } from '../errors';
import type { MessageProperties } from '../transport/transport';
import { HEADERS, JSON_CONTENT_TYPE, PROTOCOL_VERSION } from './headers';
import { replyAddressProblem } from './reply-address';

/** A task as it travels from a caller to a runtime. */
export interface TaskRequest {
  readonly id: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly attempt: number;
  readonly replyTo?: string;
  /** Epoch ms after which the task must not start: nobody waits for its reply. */
  readonly deadline?: number;
  /** Epoch ms before which the task must not start: until then it waits in the delay cascade. */
  readonly dueAt?: number;
  /** Runs in all for this call; the runtime bounds it by the task's own policy. */
  readonly maxAttempts?: number;
  /** W3C trace context of the call (`traceparent`, and `tracestate` when there is one). */
  readonly trace?: Readonly<Record<string, string>>;
}

export interface EncodedMessage {
  readonly body: Buffer;
  readonly properties: MessageProperties;
}

/** Thrown when encoded arguments or a result are larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends InvalidMessageError {
  constructor(
    readonly what: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${what} is ${size} bytes, over the ${limit}-byte limit (maxPayloadBytes)`);
  }
}

export function encodeTaskRequest(request: TaskRequest, maxPayloadBytes: number): EncodedMessage {
  let json: string;
  try {
    json = JSON.stringify({ args: request.args });
  } catch (error) {
    throw new InvalidMessageError(`Arguments of ${request.task} cannot be encoded as JSON: ${(error as Error).message}`, { cause: error });
  }
  const body = Buffer.from(json);
  if (body.length > maxPayloadBytes) throw new PayloadTooLargeError(`Arguments of ${request.task}`, body.length, maxPayloadBytes);
  const now = Date.now();
  // Every header is encoded by the caller and decoded by the runtime for each message: the
  // attempt is left out when it is the first (the runtime reads a missing one as 1).
  const headers: Record<string, unknown> = { [HEADERS.protocol]: PROTOCOL_VERSION, [HEADERS.task]: request.task };
  if (request.attempt !== 1) headers[HEADERS.attempt] = request.attempt;
  headers[HEADERS.publishedAt] = now;
  if (request.deadline !== undefined) headers[HEADERS.deadline] = request.deadline;
  if (request.dueAt !== undefined) headers[HEADERS.dueAt] = request.dueAt;
  if (request.maxAttempts !== undefined) headers[HEADERS.maxAttempts] = request.maxAttempts;
  if (request.trace) Object.assign(headers, request.trace);
  return {
    body,
    properties: {
      messageId: request.id,
      correlationId: request.id,
      replyTo: request.replyTo,
      contentType: JSON_CONTENT_TYPE,
      timestamp: Math.floor(now / 1000),
      persistent: true,
      headers,
    },
  };
}

/**
 * Reads just enough to know who is waiting for an answer, even when the rest is invalid. A
 * `replyTo` no reply can safely be sent to (see replyAddressProblem) is left out.
 */
export function peekTaskIdentity(properties: MessageProperties): { id: string | undefined; task: string | undefined; replyTo: string | undefined } {
  const task = properties.headers?.[HEADERS.task];
  const { replyTo } = properties;
  return { id: properties.messageId, task: typeof task === 'string' ? task : undefined, replyTo: replyTo && !replyAddressProblem(replyTo) ? replyTo : undefined };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Validates a delivered message; anything unexpected is an InvalidMessageError that says what. */
export function decodeTaskRequest(body: Buffer, properties: MessageProperties, maxPayloadBytes: number): TaskRequest {
  const headers = properties.headers ?? {};
  const version = headers[HEADERS.protocol];
  if (version !== PROTOCOL_VERSION) throw new InvalidMessageError(`Unsupported protocol version ${JSON.stringify(version)} (expected ${PROTOCOL_VERSION})`);
  const task = headers[HEADERS.task];
  if (typeof task !== 'string' || task === '') throw new InvalidMessageError(`Missing task name header ${HEADERS.task}`);
  if (!properties.messageId) throw new InvalidMessageError('Missing messageId (task id)');
  if (properties.contentType !== JSON_CONTENT_TYPE) {
    throw new InvalidMessageError(`Unsupported content type ${JSON.stringify(properties.contentType)} (expected ${JSON_CONTENT_TYPE})`);
  }
  if (properties.replyTo) {
    const problem = replyAddressProblem(properties.replyTo);
    if (problem) throw new InvalidMessageError(`replyTo ${JSON.stringify(properties.replyTo.slice(0, 120))} ${problem}, so no reply can be sent`);
  }
  if (body.length > maxPayloadBytes) throw new PayloadTooLargeError(`Message body`, body.length, maxPayloadBytes);
  let text: string;
  try {
    text = STRICT_UTF8.decode(body);
  } catch {
    // Replacing the bytes (as Buffer#toString does) would run the task with arguments nobody sent.
    throw new InvalidMessageError(`Body is not valid UTF-8 (${body.length} bytes)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidMessageError(`Body is not valid JSON: ${(error as Error).message}`);
  }
  const args = (parsed as { args?: unknown } | null)?.args;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(args)) {
    throw new InvalidMessageError('Body must be a JSON object with an "args" array');
  }
  const traceparent = headers.traceparent;
  // One shape for every request (no conditional spreads): this runs once per task.
  return {
    id: properties.messageId,
    task,
    args,
    attempt: positiveInteger(headers[HEADERS.attempt]) ?? 1,
    replyTo: properties.replyTo,
    deadline: epochMs(headers[HEADERS.deadline]),
    dueAt: epochMs(headers[HEADERS.dueAt]),
    maxAttempts: positiveInteger(headers[HEADERS.maxAttempts]),
    trace: typeof traceparent === 'string' ? { traceparent } : undefined,
  };
}

/** A time in epoch ms, as a number or a numeric string (other clients may send a fraction). */
function epochMs(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

/** AMQP headers may carry numbers as numbers or (from other clients) as strings. */
export function positiveInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}
