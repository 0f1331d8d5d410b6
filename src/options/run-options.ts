import type { z as Zod } from 'zod';
import { POOL_KINDS } from '../decorators/task-options';
import { MAX_DELAY_MS } from '../policy/delay-limits';
import { lazily } from '../util/lazily';
import { isStandardSchema } from '../validation/standard-schema';

/**
 * The one description of run options: what `@Task`, `@TaskMethod`, the config's `defaults` and a
 * call's `.with(...)` accept, and how each is checked. A new run option is added here once.
 * Built on first use: zod costs a thread about 8 MB, and a CPU thread never checks options.
 */
export const runOptionSchemas = lazily(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { z } = require('zod') as typeof import('zod');
  return buildSchemas(z);
});

function buildSchemas(z: typeof Zod) {
  const positiveInt = z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

  const retryShape = {
    maxAttempts: positiveInt.optional(),
    initialDelayMs: positiveInt.optional(),
    factor: z.number({ error: 'must be at least 1' }).min(1, { error: 'must be at least 1' }).optional(),
    maxDelayMs: positiveInt.optional(),
    jitter: z.number({ error: 'must be between 0 and 1' }).min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }).optional(),
  };

  const retryOn = z.custom<unknown>((value) => typeof value === 'function' || (Array.isArray(value) && value.every((item) => typeof item === 'function')), {
    error: 'must be a predicate or an array of error classes',
  });

  /** Limits and retries, on a class or a method. */
  const runOptionsShape = {
    softTimeLimitMs: positiveInt.optional(),
    hardTimeLimitMs: positiveInt.optional(),
    retry: z.strictObject({ ...retryShape, retryOn: retryOn.optional() }).optional(),
    storeResult: z.boolean({ error: 'must be true or false' }).optional(),
  };

  const taskOptionsSchema = z.strictObject({
    queue: z.string({ error: "must be a non-empty name of letters, digits, '_', '.', ':' or '-'" }).regex(/^[A-Za-z0-9_.:-]+$/, { error: "must be a non-empty name of letters, digits, '_', '.', ':' or '-'" }),
    pool: z.enum(POOL_KINDS as [string, ...string[]], { error: `must be one of ${POOL_KINDS.join(', ')}` }),
    name: z.string().regex(/^[A-Za-z_$][\w$]*$/, { error: 'must be an identifier' }).optional(),
    concurrency: positiveInt.optional(),
    ...runOptionsShape,
  });

  const methodOptionsSchema = z.strictObject({
    args: z.custom<unknown>((value) => isStandardSchema(value), { error: 'must be a Standard Schema (a zod, valibot or arktype schema)' }).optional(),
    ...runOptionsShape,
  });

  /** The config's `defaults`: a config file holds no error classes, so no `retryOn`. */
  const defaultsSchema = z.strictObject({ ...runOptionsShape, retry: z.strictObject(retryShape).optional() });

  /** A call's `.with(...)`. */
  const callOptionsSchema = z
    .strictObject({
      timeoutMs: positiveInt.optional(),
      maxAttempts: positiveInt.optional(),
      expiresInMs: positiveInt.optional(),
      delayMs: z
        .number({ error: 'must be a finite number of milliseconds, 0 or more' })
        .refine((value) => Number.isFinite(value) && value >= 0, { error: 'must be a finite number of milliseconds, 0 or more' })
        .refine((value) => value <= MAX_DELAY_MS, { error: `must be at most ${MAX_DELAY_MS / 86_400_000} days (the longest delay Warren serves); is it in seconds instead of milliseconds?` })
        .optional(),
      at: z
        .union([z.date(), z.number()], { error: 'must be a valid Date or epoch milliseconds' })
        .refine((value) => Number.isFinite(value instanceof Date ? value.getTime() : value), { error: 'must be a valid Date or epoch milliseconds' })
        .optional(),
    })
    .refine((options) => options.delayMs === undefined || options.at === undefined, { error: 'give delayMs or at, not both' });
  return { taskOptionsSchema, methodOptionsSchema, defaultsSchema, callOptionsSchema };
}

/** The first problem of a failed check, as `where: key must ...`, or undefined when it passed. */
export function firstProblem(schema: Zod.ZodType, value: unknown, describeKey: (path: readonly PropertyKey[]) => string = (path) => path.join('.')): string | undefined {
  const checked = schema.safeParse(value);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0] as Zod.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length ? `unknown ${issue.path.join('.')} option` : 'unknown option';
    return `${prefix} '${issue.keys[0]}'`;
  }
  const key = describeKey(issue.path);
  return key ? `${key} ${issue.message}` : issue.message;
}
