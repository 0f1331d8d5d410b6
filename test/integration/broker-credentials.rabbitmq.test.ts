import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import util from 'node:util';
import pino from 'pino';
import { connect, TransportError } from '../../src';
import { fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

// Users are made with rabbitmqctl: this needs the node, not just a URL.
const node = requireRabbitNode();
const silent = pino({ level: 'silent' });

/** What a thrown error shows anywhere: message, stack, cause chain and own properties. */
function everything(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack ?? ''}\n${util.inspect(error, { depth: Infinity, showHidden: true })}`;
}

async function connectionUsers(rabbit: RabbitNode): Promise<string[]> {
  const rows = JSON.parse(await rabbit.ctl(['list_connections', 'user', '--formatter', 'json'])) as Array<{ user: string }>;
  return rows.map((row) => row.user);
}

describe('broker credentials', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;
  const user = `wärren-${randomBytes(3).toString('hex')}`;
  const password = `päss-wörd-${randomBytes(4).toString('hex')}`;
  const wrong = `wröng-sécret-${randomBytes(4).toString('hex')}`;
  const port = () => new URL(rabbit.url).port;
  const config = () => fixtureConfig(rabbit.url, randomNamespace());

  before(async () => {
    await rabbit.ctl(['add_user', user, password]);
    await rabbit.ctl(['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
  });
  after(async () => {
    await rabbit.ctl(['delete_user', user]).catch(() => {});
  });

  test('given a user whose name and password are not ASCII, when the URL percent-encodes them as UTF-8, then a client connects as that user', { timeout: 30_000 }, async () => {
    const url = `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port()}`;
    assert.match(url, /p%C3%A4ss-w%C3%B6rd/);
    const client = await connect({ url, config: config(), logger: silent });
    try {
      assert.ok((await connectionUsers(rabbit)).includes(user));
    } finally {
      await client.close();
    }
  });

  test('given WARREN_BROKER_USERNAME / WARREN_BROKER_PASSWORD, when the URL has no credentials, then a client connects with them, as they are (no encoding)', { timeout: 30_000 }, async () => {
    const saved = { username: process.env['WARREN_BROKER_USERNAME'], password: process.env['WARREN_BROKER_PASSWORD'] };
    process.env['WARREN_BROKER_USERNAME'] = user;
    process.env['WARREN_BROKER_PASSWORD'] = password;
    try {
      const client = await connect({ url: `amqp://127.0.0.1:${port()}`, config: config(), logger: silent });
      try {
        assert.ok((await connectionUsers(rabbit)).includes(user));
      } finally {
        await client.close();
      }
    } finally {
      for (const [key, value] of [
        ['WARREN_BROKER_USERNAME', saved.username],
        ['WARREN_BROKER_PASSWORD', saved.password],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  test('given a wrong password (in the URL, apart from it, or in a URL that does not parse), when connect() fails, then nothing it throws shows the password', { timeout: 30_000 }, async () => {
    const encoded = encodeURIComponent(wrong);
    const attempts: Array<{ what: string; run: () => Promise<unknown> }> = [
      { what: 'URL', run: () => connect({ url: `amqp://${encodeURIComponent(user)}:${encoded}@127.0.0.1:${port()}`, config: config(), logger: silent }) },
      { what: 'options', run: () => connect({ url: `amqp://127.0.0.1:${port()}`, username: user, password: wrong, config: config(), logger: silent }) },
      { what: 'ASCII URL', run: () => connect({ url: `amqp://${encodeURIComponent(user)}:plain-${encoded}@127.0.0.1:${port()}`, config: config(), logger: silent }) },
      { what: 'unparseable URL', run: () => connect({ url: `amqp://${user}:${encoded}@127.0.0.1:${port()}x/`, config: config(), logger: silent }) },
    ];
    for (const { what, run } of attempts) {
      const error = await run().then(
        () => assert.fail(`${what}: connected with a wrong password`),
        (reason: unknown) => reason,
      );
      assert.ok(error instanceof TransportError, `${what}: ${String(error)}`);
      const shown = everything(error);
      for (const secret of [wrong, encoded, wrong.slice(0, 10)]) assert.ok(!shown.includes(secret), `${what}: the error shows the password (${secret}):\n${shown}`);
      assert.match(shown, what === 'unparseable URL' ? /not a valid URL/ : /ACCESS_REFUSED|ACCESS-REFUSED/, what);
    }
  });
});
