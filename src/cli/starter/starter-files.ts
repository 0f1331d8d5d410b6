/**
 * The files `warren init` writes: a project that type-checks under strict flags and runs with
 * `npm run dev` as written. Kept as strings so the package ships them inside its JavaScript.
 */
export const STARTER_FILES: Readonly<Record<string, string>> = {
  'tsconfig.json': `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "node16",
    "moduleResolution": "node16",
    "types": ["node"],
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "esModuleInterop": true,
    "sourceMap": true,
    "outDir": "dist"
  },
  "include": ["*.ts", "jobs"]
}
`,
  'runtime.config.ts': `import { defineConfig } from 'warren';
import { FriendlyGreeter, GREETER } from './jobs/greetings';
import { HASH_SETTINGS } from './jobs/hashes';

export default defineConfig({
  // No URL: the embedded broker, inside one process (warren dev).
  // warren start needs RabbitMQ: WARREN_BROKER_URL=amqp://user:pass@host:5672
  broker: { url: process.env.WARREN_BROKER_URL },
  jobs: ['jobs/*.ts'],
  pools: {
    cpu: {}, // worker threads: the machine's cores
    io: { concurrency: 16 },
  },
  // Runs in the main thread and in every CPU worker thread.
  providers: (container) => {
    container.register(HASH_SETTINGS, { useValue: { rounds: 1_000 } });
    container.registerSingleton(GREETER, FriendlyGreeter);
  },
});
`,
  'jobs/hashes.ts': `import { createHash } from 'node:crypto';
import { Task, inject, type InjectionToken } from 'warren';

export interface HashSettings {
  readonly rounds: number;
}

/** Interfaces vanish at run time, so they are injected through a token. */
export const HASH_SETTINGS: InjectionToken<HashSettings> = 'HashSettings';

/** CPU-bound work: each call runs in a worker thread, so it never blocks the I/O queues. */
@Task({ queue: 'hashes', pool: 'cpu', hardTimeLimitMs: 30_000 })
export class Hashes {
  constructor(@inject(HASH_SETTINGS) private readonly settings: HashSettings) {}

  sha256(input: { text: string; rounds?: number }): { digest: string; rounds: number } {
    const rounds = input.rounds ?? this.settings.rounds;
    let digest = input.text;
    for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
    return { digest, rounds };
  }
}
`,
  'jobs/greetings.ts': `import { Task, inject, injectable, type InjectionToken } from 'warren';

/** A class is injected as it is: tsyringe builds it from its own constructor's types. */
@injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

export interface Greeter {
  greet(name: string): string;
}

export const GREETER: InjectionToken<Greeter> = 'Greeter';

/** Registered for GREETER in runtime.config.ts; its own dependency is injected too. */
@injectable()
export class FriendlyGreeter implements Greeter {
  constructor(private readonly clock: Clock) {}

  greet(name: string): string {
    return \`Hello, \${name}! It is \${this.clock.now().toISOString()}.\`;
  }
}

/** I/O-bound work: calls run on the main event loop, up to the queue's concurrency at once. */
@Task({ queue: 'greetings', pool: 'io' })
export class Greetings {
  constructor(@inject(GREETER) private readonly greeter: Greeter) {}

  async greet(name: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 10)); // stands for a request or a query
    return this.greeter.greet(name);
  }
}
`,
  'app.ts': `import { connect } from 'warren';
import { Greetings } from './jobs/greetings';
import { Hashes } from './jobs/hashes';

/** warren dev app.ts and warren run app.ts await main(), then exit. */
export async function main(): Promise<void> {
  const client = await connect();
  try {
    const [hash, greeting] = await Promise.all([
      client.proxy(Hashes).sha256({ text: 'warren', rounds: 10_000 }),
      client.proxy(Greetings).greet('world'),
    ]);
    process.stdout.write(\`Hashes.sha256 (cpu pool): \${hash.digest.slice(0, 16)}... after \${hash.rounds} rounds\\n\`);
    process.stdout.write(\`Greetings.greet (io pool): \${greeting}\\n\`);
  } finally {
    await client.close();
  }
}
`,
};

/** The npm scripts `warren init` adds to package.json. */
export const STARTER_SCRIPTS: Readonly<Record<string, string>> = {
  dev: 'warren dev app.ts',
  start: 'warren start',
  app: 'warren run app.ts',
  typecheck: 'tsc --noEmit',
};
