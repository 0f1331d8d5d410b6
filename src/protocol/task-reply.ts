import { InvalidMessageError } from '../errors';
import { HEADERS, JSON_CONTENT_TYPE, PROTOCOL_VERSION } from './headers';
import { serializeError, type SerializedError } from './serialized-error';
import type { EncodedMessage } from './task-request';

/** How one task run ended, as the caller receives it. */
export type TaskOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

export function encodeTaskReply(taskId: string, outcome: TaskOutcome, maxPayloadBytes: number): EncodedMessage {
  let json = stringifyOutcome(outcome);
  if (outcome.ok && Buffer.byteLength(json) > maxPayloadBytes) {
    const error = new InvalidMessageError(`Result is ${Buffer.byteLength(json)} bytes, over the ${maxPayloadBytes}-byte limit (maxPayloadBytes)`);
    json = stringifyOutcome({ ok: false, error: serializeError(error) });
  }
  return {
    body: Buffer.from(json),
    properties: { correlationId: taskId, contentType: JSON_CONTENT_TYPE, headers: { [HEADERS.protocol]: PROTOCOL_VERSION } },
  };
}

export function decodeTaskReply(body: Buffer): TaskOutcome {
  const parsed = JSON.parse(body.toString('utf8')) as Partial<{ ok: boolean; result: unknown; error: SerializedError }>;
  if (parsed.ok === true) return { ok: true, result: parsed.result };
  if (parsed.ok === false && parsed.error && typeof parsed.error.name === 'string') return { ok: false, error: parsed.error };
  throw new InvalidMessageError('Reply is not a Warren task outcome');
}

function stringifyOutcome(outcome: TaskOutcome): string {
  try {
    return JSON.stringify(outcome);
  } catch (error) {
    const failure = new InvalidMessageError(`Result cannot be encoded as JSON: ${(error as Error).message}`);
    return JSON.stringify({ ok: false, error: serializeError(failure) });
  }
}
