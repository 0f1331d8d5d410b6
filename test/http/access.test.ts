import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, startHttpServer } from '../../src';
import { checkHttpOptions, isLoopbackHost } from '../../src/http/access';
import { request, startHttpStack, type HttpStack } from './http-fixture';

const TIMEOUT = { timeout: 30_000 };
const TOKEN = 'a-token-of-sixteen-chars-or-more';

async function withStack(options: { token?: string }, work: (stack: HttpStack) => Promise<void>): Promise<void> {
  const stack = await startHttpStack(options);
  try {
    await work(stack);
  } finally {
    await stack.stop();
  }
}

describe('who may use the dashboard', () => {
  test('given a host beyond loopback and no token, when the server starts, then it refuses before binding', TIMEOUT, async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'warren.example.com']) {
      assert.throws(() => checkHttpOptions({ host }), (error: Error) => error instanceof ConfigError && /reachable beyond this machine: set http\.token/.test(error.message), host);
      assert.doesNotThrow(() => checkHttpOptions({ host, token: TOKEN }));
    }
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) assert.ok(isLoopbackHost(host), host);

    await withStack({}, async (stack) => {
      // The runtime is never touched: the refusal comes first, so no port is opened.
      await assert.rejects(startHttpServer(stack.runtime, { port: 0, host: '0.0.0.0' }), ConfigError);
    });
  });

  test('given a token, when the API is called without it or with a wrong one, then 401; with it as a bearer, then 200', TIMEOUT, async () => {
    await withStack({ token: TOKEN }, async ({ http }) => {
      const none = await request(http.url, '/api/snapshot');
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="warren"');
      assert.equal((await request(http.url, '/api/snapshot', { headers: { authorization: 'Bearer not-the-token' } })).status, 401);
      assert.equal((await request(http.url, '/api/events', { headers: { authorization: 'Bearer not-the-token' } })).status, 401);
      const page = await request(http.url, '/');
      assert.equal(page.status, 401);
      assert.match(page.body, /\/\?token=YOUR_TOKEN/);
      const ok = await request(http.url, '/api/snapshot', { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.equal(ok.json<{ ready: boolean }>().ready, true);
    });
  });

  test('given a token, when /?token= is opened, then an HttpOnly SameSite cookie is set, the token leaves the URL, and the cookie opens the page', TIMEOUT, async () => {
    await withStack({ token: TOKEN }, async ({ http }) => {
      assert.equal((await request(http.url, '/?token=wrong-token-wrong-token')).status, 401);
      const exchange = await request(http.url, `/?token=${encodeURIComponent(TOKEN)}`);
      assert.equal(exchange.status, 303);
      assert.equal(exchange.headers.location, '/');
      const cookie = exchange.headers['set-cookie']?.[0] ?? '';
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      const pair = cookie.split(';')[0] ?? '';
      const page = await request(http.url, '/', { headers: { cookie: pair } });
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>Warren<\/title>/);
      assert.match(String(page.headers['content-security-policy']), /script-src 'nonce-/);
      assert.equal((await request(http.url, '/api/queues', { headers: { cookie: pair } })).status, 200);
    });
  });

  test('given a token, when probes and scrapers call, then /healthz, /readyz and /metrics need none', TIMEOUT, async () => {
    await withStack({ token: TOKEN }, async ({ http }) => {
      for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await request(http.url, path)).status, 200, path);
    });
  });

  test('given no token on loopback, when a request names a foreign Host (DNS rebinding), then the API refuses it', TIMEOUT, async () => {
    await withStack({}, async ({ http }) => {
      assert.equal((await request(http.url, '/api/snapshot')).status, 200);
      assert.equal((await request(http.url, '/api/snapshot', { headers: { host: 'localhost:1234' } })).status, 200);
      const rebound = await request(http.url, '/api/snapshot', { headers: { host: 'attacker.example:80' } });
      assert.equal(rebound.status, 403);
      assert.match(rebound.json<{ error: string }>().error, /not a loopback name/);
      assert.equal((await request(http.url, '/healthz', { headers: { host: 'attacker.example' } })).status, 200);
    });
  });

  test('given a mutating endpoint, when it is called cross-site, then it is refused, and only POST is accepted', TIMEOUT, async () => {
    await withStack({ token: TOKEN }, async ({ http }) => {
      const purge = '/api/queues/fx-io/dead-letters/purge';
      const auth = { authorization: `Bearer ${TOKEN}` };
      const host = new URL(http.url).host;
      const post = (headers: Record<string, string>) => request(http.url, purge, { method: 'POST', headers: { ...auth, ...headers } });

      const crossSite: Array<Record<string, string>> = [
        { origin: 'http://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'cross-site', origin: `http://${host}` },
      ];
      for (const headers of crossSite) {
        const refused = await post(headers);
        assert.equal(refused.status, 403, JSON.stringify(headers));
        assert.match(refused.json<{ error: string }>().error, /Cross-site request refused/);
      }
      const sameOrigin = await post({ origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
      assert.equal(sameOrigin.status, 200);
      assert.deepEqual(sameOrigin.json(), { queue: 'fx-io', purged: 0 });
      assert.equal((await post({})).status, 200, 'a client that is no browser sends neither header');

      const get = await request(http.url, purge, { headers: auth });
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
    });
  });
});
