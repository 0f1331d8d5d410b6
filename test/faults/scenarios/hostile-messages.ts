import type { Options } from 'amqplib';
import { HEADERS, JSON_CONTENT_TYPE, PROTOCOL_VERSION } from '../../../src/protocol/headers';
import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import type { Scenario, ScenarioContext } from '../support/scenario';

const MESSAGES = 1_000;
/** The fault config's maxPayloadBytes is 256 KiB. */
const OVER_PAYLOAD_LIMIT = 300 * 1024;
const DEPTH = 20_000;

interface Variant {
  readonly name: string;
  readonly queue: 'fault-io' | 'fault-cpu';
  readonly body: Buffer;
  /** Properties; `id` goes into whatever identifies the message (header `fault-id`, correlationId, messageId). */
  properties(id: string): Options.Publish;
  /** Dead-letter error name and reason the runtime must give. */
  readonly error: string;
  readonly reason: RegExp;
}

const json = (value: string) => Buffer.from(value, 'utf8');

/** Well-formed properties for `task`; variants take pieces away or break them. */
function valid(task: string, extraHeaders: Record<string, unknown> = {}) {
  return (id: string): Options.Publish => ({
    messageId: id,
    correlationId: id,
    contentType: JSON_CONTENT_TYPE,
    persistent: true,
    headers: { [HEADERS.protocol]: PROTOCOL_VERSION, [HEADERS.task]: task, [HEADERS.attempt]: 1, 'fault-id': id, ...extraHeaders },
  });
}

const TYPED = 'FaultIo.typed'; // z.tuple([z.string().max(64), z.number().int().min(0).max(1000)])
const WORK = 'FaultIo.work'; // no schema: anything that reaches it with args would run (and be recorded)

const invalidMessage = { error: 'InvalidMessageError' } as const;
const invalidArgs = { error: 'InvalidArgumentsError', reason: /^Invalid arguments for FaultIo\.typed/ } as const;
const unknownTask = { error: 'UnknownTaskError', reason: /^Unknown task/ } as const;

function variants(): Variant[] {
  const notAnArgsObject = /Body must be a JSON object with an "args" array/;
  const notJson = /^Body is not valid JSON/;
  const notUtf8 = /^Body is not valid UTF-8/;
  const list: Variant[] = [
    // Not JSON at all
    { name: 'truncated JSON', queue: 'fault-io', body: json('{"args": [1,'), properties: valid(WORK), ...invalidMessage, reason: notJson },
    { name: 'empty body', queue: 'fault-io', body: Buffer.alloc(0), properties: valid(WORK), ...invalidMessage, reason: notJson },
    { name: 'invalid UTF-8', queue: 'fault-io', body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0xc3]), properties: valid(WORK), ...invalidMessage, reason: notUtf8 },
    // Valid JSON around a byte that is not UTF-8: decoded loosely, it would run with U+FFFD.
    { name: 'invalid UTF-8 inside a JSON string', queue: 'fault-io', body: Buffer.concat([json('{"args": ["'), Buffer.from([0xc3, 0x28]), json('"]}')]), properties: valid(WORK), ...invalidMessage, reason: notUtf8 },
    { name: 'bad JSON on the cpu queue', queue: 'fault-cpu', body: json("{'args': [1]}"), properties: valid('FaultCpu.work'), ...invalidMessage, reason: notJson },
    // JSON, but not {"args": [...]}
    { name: 'array body', queue: 'fault-io', body: json('[0]'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    { name: 'null body', queue: 'fault-io', body: json('null'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    { name: 'string body', queue: 'fault-cpu', body: json('"args"'), properties: valid('FaultCpu.work'), ...invalidMessage, reason: notAnArgsObject },
    { name: 'args is a string', queue: 'fault-io', body: json('{"args": "0"}'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    { name: 'args is an array-like object', queue: 'fault-io', body: json('{"args": {"0": 0, "length": 1}}'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    // Prototype games: args hidden where only a careless decoder would find them
    { name: '__proto__ smuggles args', queue: 'fault-io', body: json('{"__proto__": {"args": [0]}}'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    { name: 'constructor.prototype smuggles args', queue: 'fault-io', body: json('{"constructor": {"prototype": {"args": [0]}}}'), properties: valid(WORK), ...invalidMessage, reason: notAnArgsObject },
    { name: '__proto__ key beside wrong args', queue: 'fault-io', body: json('{"__proto__": {"polluted": true}, "args": [1, "x"]}'), properties: valid(TYPED), ...invalidArgs },
    { name: '__proto__ as an argument', queue: 'fault-io', body: json('{"args": [{"__proto__": {"polluted": true}}, 1]}'), properties: valid(TYPED), ...invalidArgs },
    // Deep nesting
    { name: `arrays nested ${DEPTH} deep`, queue: 'fault-io', body: json(`{"args": [${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}, 1]}`), properties: valid(TYPED), ...invalidArgs },
    { name: `objects nested ${DEPTH} deep`, queue: 'fault-io', body: json(`{"args": ["x", ${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}]}`), properties: valid(TYPED), ...invalidArgs },
    // Over maxPayloadBytes
    { name: 'huge string over maxPayloadBytes', queue: 'fault-io', body: json(`{"args": ["${'x'.repeat(OVER_PAYLOAD_LIMIT)}", 1]}`), properties: valid(TYPED), error: 'PayloadTooLargeError', reason: /over the 262144-byte limit/ },
    // Wrong argument types for a task with a schema
    { name: 'arguments swapped', queue: 'fault-io', body: json('{"args": [1, "x"]}'), properties: valid(TYPED), ...invalidArgs },
    { name: 'too few arguments', queue: 'fault-io', body: json('{"args": ["x"]}'), properties: valid(TYPED), ...invalidArgs },
    { name: 'too many arguments', queue: 'fault-io', body: json('{"args": ["x", 1, 2]}'), properties: valid(TYPED), ...invalidArgs },
    { name: 'fraction for an int', queue: 'fault-io', body: json('{"args": ["x", 1.5]}'), properties: valid(TYPED), ...invalidArgs },
    { name: 'number out of range', queue: 'fault-io', body: json('{"args": ["x", 1e308]}'), properties: valid(TYPED), ...invalidArgs },
    { name: 'string too long', queue: 'fault-io', body: json(`{"args": ["${'y'.repeat(65)}", 1]}`), properties: valid(TYPED), ...invalidArgs },
    { name: 'null arguments', queue: 'fault-io', body: json('{"args": [null, null]}'), properties: valid(TYPED), ...invalidArgs },
    {
      name: 'wrong args + hostile attempt headers',
      queue: 'fault-io',
      body: json('{"args": [true, {}]}'),
      properties: valid(TYPED, { [HEADERS.attempt]: -1, [HEADERS.maxAttempts]: 'NaN', [HEADERS.redeliveries]: 'many', [HEADERS.deadline]: 'soon' }),
      ...invalidArgs,
    },
    // Unknown task names
    ...['Nobody.home', '__proto__', 'constructor', 'hasOwnProperty', 'FaultIo.constructor', 'FaultIo.__proto__', 'FaultIo.work ', '../FaultIo.work'].map(
      (task): Variant => ({ name: `unknown task ${JSON.stringify(task)}`, queue: 'fault-io', body: json('{"args": [0]}'), properties: valid(task), ...unknownTask }),
    ),
    { name: 'a task of another queue', queue: 'fault-io', body: json('{"args": [0]}'), properties: valid('FaultCpu.work'), ...unknownTask },
    { name: 'an io task on the cpu queue', queue: 'fault-cpu', body: json('{"args": [0]}'), properties: valid(WORK), ...unknownTask },
    { name: 'a 20 KB task name', queue: 'fault-io', body: json('{"args": [0]}'), properties: valid(`Faul${'t'.repeat(20_000)}.work`), ...unknownTask },
    // Its dead-letter copy carries the name twice (the header, and the reason): over amqplib's 64 KiB header table.
    { name: 'a 32 KB task name', queue: 'fault-io', body: json('{"args": [0]}'), properties: valid(`Faul${'t'.repeat(32_000)}.work`), ...unknownTask },
    // Missing or wrong headers and properties
    {
      name: 'no headers at all',
      queue: 'fault-io',
      body: json('{"args": [0]}'),
      properties: (id) => ({ messageId: id, correlationId: id, contentType: JSON_CONTENT_TYPE }),
      ...invalidMessage,
      reason: /^Unsupported protocol version undefined/,
    },
    {
      name: 'no protocol header',
      queue: 'fault-io',
      body: json('{"args": [0]}'),
      properties: (id) => ({ ...valid(WORK)(id), headers: { [HEADERS.task]: WORK, 'fault-id': id } }),
      ...invalidMessage,
      reason: /^Unsupported protocol version/,
    },
    { name: 'protocol version 2', queue: 'fault-io', body: json('{"args": [0]}'), properties: valid(WORK, { [HEADERS.protocol]: 2 }), ...invalidMessage, reason: /^Unsupported protocol version 2/ },
    { name: 'protocol version "1"', queue: 'fault-cpu', body: json('{"args": [0]}'), properties: valid('FaultCpu.work', { [HEADERS.protocol]: '1' }), ...invalidMessage, reason: /^Unsupported protocol version "1"/ },
    {
      name: 'no task header',
      queue: 'fault-io',
      body: json('{"args": [0]}'),
      properties: (id) => ({ ...valid(WORK)(id), headers: { [HEADERS.protocol]: PROTOCOL_VERSION, 'fault-id': id } }),
      ...invalidMessage,
      reason: /^Missing task name header/,
    },
    { name: 'task header is a number', queue: 'fault-io', body: json('{"args": [0]}'), properties: valid(WORK, { [HEADERS.task]: 42 }), ...invalidMessage, reason: /^Missing task name header/ },
    { name: 'no messageId', queue: 'fault-io', body: json('{"args": [0]}'), properties: (id) => ({ ...valid(WORK)(id), messageId: undefined }), ...invalidMessage, reason: /^Missing messageId/ },
    ...[undefined, 'text/plain', 'application/xml', 'application/json; charset=utf-8', 'APPLICATION/JSON'].map(
      (contentType): Variant => ({
        name: `content type ${JSON.stringify(contentType)}`,
        queue: 'fault-io',
        body: json('{"args": [0]}'),
        properties: (id) => ({ ...valid(WORK)(id), contentType }),
        ...invalidMessage,
        reason: /^Unsupported content type/,
      }),
    ),
    // Where the rejection reply goes: nowhere sensible
    ...['amq.rabbitmq.reply-to.bogus', 'no-such-queue', ''].map(
      (replyTo): Variant => ({
        name: `replyTo ${JSON.stringify(replyTo)}`,
        queue: 'fault-io',
        body: json('{"args": [0,'),
        properties: (id) => ({ ...valid(WORK)(id), replyTo }),
        ...invalidMessage,
        reason: notJson,
      }),
    ),
    // replyTo addresses whose pid part RabbitMQ 3.10 cannot decode: a reply to one closes the whole
    // connection (INTERNAL_ERROR), so such a task must not run (its reply could never be sent).
    ...['abc.def', `${Buffer.from('hello world').toString('base64')}.a2V5`, `${Buffer.from([131, 97, 5]).toString('base64')}.a2V5`].map(
      (suffix): Variant => ({
        name: `replyTo amq.rabbitmq.reply-to.${suffix}`,
        queue: 'fault-io',
        body: json('{"args": [0]}'),
        properties: (id) => ({ ...valid(WORK)(id), replyTo: `amq.rabbitmq.reply-to.${suffix}` }),
        ...invalidMessage,
        reason: /^replyTo ".*" is not a direct reply-to address/,
      }),
    ),
  ];
  return list;
}

/**
 * 1,000 malformed or hostile messages put straight onto the work queues with raw amqplib. Every
 * one must be dead-lettered with its reason, none may run (the job records would show it), no
 * prototype may be polluted, and the same runtime process must still serve normal tasks afterwards.
 */
export const hostileScenario: Scenario = {
  id: 'hostile',
  title: `${MESSAGES} malformed or hostile messages`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    const runtime = await ctx.startRuntime();
    const kinds = variants();
    const planned = Array.from({ length: MESSAGES }, (_, i) => {
      const variant = kinds[i % kinds.length] as Variant;
      const id = `hostile-${i}`;
      return { id, variant, queue: ctx.workQueue(variant.queue), body: variant.body, properties: variant.properties(id) };
    });
    await ctx.inspector.publishRaw(planned);
    ctx.track(planned.map((message) => message.id));
    ctx.log(`${MESSAGES} raw messages of ${kinds.length} kinds published`);
    const counted = await ctx.settle({ timeoutMs: 60_000 });
    ctx.expect(counted.deadLettered === MESSAGES, `all ${MESSAGES} should be dead-lettered (got ${counted.deadLettered})`);
    ctx.expect(counted.completed === 0, `none should run (${counted.completed} did)`);
    checkReasons(ctx, planned);

    // The same process still serves, and nothing reached Object.prototype.
    const client = await ctx.client();
    const io = client.proxy(FaultIo);
    const normal = [await io.probe.enqueue(), await io.typed.enqueue('still serving', 2), await client.proxy(FaultCpu).work.enqueue(1)];
    ctx.track(normal);
    const after = await ctx.settle({ timeoutMs: 20_000 });
    ctx.expect(after.completed === normal.length, `the normal tasks after the hostile ones should complete (${after.completed}/${normal.length})`);
    const probe = ctx.records.linesOf(normal[0] as string)[0];
    ctx.expect(probe?.detail === 'clean', `Object.prototype should be unpolluted in the runtime, probe says ${probe?.detail ?? 'nothing'}`);
    ctx.expect(runtime.alive && ctx.runtimes.length === 1, `the one runtime process should still be alive${runtime.describeOutput()}`);
  },
};

function checkReasons(ctx: ScenarioContext, planned: ReadonlyArray<{ id: string; variant: Variant }>): void {
  const wrong = new Map<string, { count: number; example: string }>();
  for (const { id, variant } of planned) {
    const entries = ctx.deadLettersOf(id);
    const headers = entries[0]?.headers ?? {};
    const name = String(headers[HEADERS.deadErrorName]);
    const reason = String(headers[HEADERS.deadReason] ?? '');
    let problem: string | undefined;
    if (entries.length !== 1) problem = `${entries.length} dead-letter entries`;
    else if (name !== variant.error || !variant.reason.test(reason)) problem = `${name}: ${reason.slice(0, 160)} (expected ${variant.error} ${variant.reason})`;
    if (problem) {
      const seen = wrong.get(variant.name);
      wrong.set(variant.name, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? problem });
    }
  }
  for (const [name, { count, example }] of wrong) ctx.failures.push(`${name}: ${count} message(s) dead-lettered wrongly: ${example}`);
  const kinds = new Set(planned.map(({ variant }) => variant.name)).size;
  ctx.note(`${kinds} kinds of message, ${kinds - wrong.size} dead-lettered with the expected error and reason`);
}
