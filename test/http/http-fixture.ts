import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startHttpServer, type HttpServer, type HttpServerOptions, type ResolvedConfig } from '../../src';
import { startFixtureStack, type FixtureStack } from '../support/fixture-runtime';

/** The fixture runtime on its own embedded broker, with the HTTP server in front of it. */
export interface HttpStack extends FixtureStack {
  readonly http: HttpServer;
  /** `memory://…`: raw messages can be published to it with `memoryBrokerFor(url)`. */
  readonly url: string;
}

export async function startHttpStack(options: Partial<HttpServerOptions> = {}, config: Partial<ResolvedConfig> = {}): Promise<HttpStack> {
  const url = `memory://http-${randomBytes(4).toString('hex')}`;
  const stack = await startFixtureStack(url, undefined, config);
  let server: HttpServer;
  try {
    server = await startHttpServer(stack.runtime, { port: 0, host: '127.0.0.1', ...options });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return {
    ...stack,
    url,
    http: server,
    stop: async () => {
      await stack.stop();
      await server.close();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  json<T = unknown>(): T;
}

/**
 * One request with exactly the headers given (fetch would add its own, and refuses to set Host,
 * Origin or Sec-Fetch-Site: the headers the access checks are about).
 */
export function request(base: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
