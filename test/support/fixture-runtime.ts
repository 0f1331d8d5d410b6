import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { connect, loadConfig, Runtime, type ResolvedConfig, type TaskEvent, type WarrenClient } from '../../src';

export const FIXTURE_CONFIG = path.join(__dirname, '..', 'fixtures', 'fixture.config.ts');

/** A namespace no other test uses, so every test has its own exchanges and queues. */
export function randomNamespace(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

/** The fixture config pointed at a broker and a fresh namespace; `overrides` replace top-level fields. */
export function fixtureConfig(url: string, namespace: string, overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  const config = loadConfig(FIXTURE_CONFIG, { env: {} });
  // As the config would resolve with this URL: the embedded store comes only with the embedded broker.
  const results = url.startsWith('memory://') ? config.results : undefined;
  return { ...config, broker: { ...config.broker, url, namespace }, results, ...overrides };
}

/** A pino logger whose lines tests can read and wait for (the `occurrence`th line that matches, the first by default). */
export function captureLogger(level = 'warn'): { logger: Logger; lines: string[]; waitFor(pattern: RegExp, occurrence?: number): Promise<string> } {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; remaining: number; resolve: (line: string) => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line) && --waiter.remaining === 0) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level }, stream),
    lines,
    waitFor: (pattern, occurrence = 1) => {
      const seen = lines.filter((line) => pattern.test(line));
      if (seen.length >= occurrence) return Promise.resolve(seen[occurrence - 1] as string);
      return new Promise((resolve) => waiters.push({ pattern, remaining: occurrence - seen.length, resolve }));
    },
  };
}

export interface FixtureStack {
  readonly runtime: Runtime;
  readonly client: WarrenClient;
  readonly config: ResolvedConfig;
  stop(): Promise<void>;
}

/** A runtime serving the fixture jobs and a client, on one broker and namespace. */
export async function startFixtureStack(url: string, namespace = randomNamespace(), overrides: Partial<ResolvedConfig> = {}, logger?: Logger): Promise<FixtureStack> {
  const config = fixtureConfig(url, namespace, overrides);
  const log = logger ?? pino({ level: 'silent' });
  const runtime = await Runtime.start({ config, logger: log });
  const client = await connect({ url, config, logger: log });
  return {
    runtime,
    client,
    config,
    stop: async () => {
      await client.close();
      await runtime.stop();
    },
  };
}

/** Resolves with the first task event that matches. */
export async function nextTaskEvent(runtime: Runtime, match: (event: TaskEvent) => boolean): Promise<TaskEvent> {
  for (;;) {
    const [event] = (await once(runtime, 'task')) as [TaskEvent];
    if (match(event)) return event;
  }
}

/** Collects task events until `count` have matched. */
export function collectTaskEvents(runtime: Runtime, count: number, match: (event: TaskEvent) => boolean = () => true): Promise<TaskEvent[]> {
  return new Promise((resolve) => {
    const seen: TaskEvent[] = [];
    const listener = (event: TaskEvent) => {
      if (!match(event)) return;
      seen.push(event);
      if (seen.length === count) {
        runtime.off('task', listener);
        resolve(seen);
      }
    };
    runtime.on('task', listener);
  });
}
