import 'reflect-metadata';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { connect, Runtime, TransportError, type WarrenClient } from '../../src';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { captureLogger, fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

// Connections are closed with rabbitmqctl: this needs the node, not just a URL.
const node = requireRabbitNode();

/** A loopback port nothing listens on: a broker address that is down. */
async function deadAddress(user = 'guest:guest'): Promise<string> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `amqp://${user}@127.0.0.1:${port}`;
}

async function echoAll(client: WarrenClient, count: number): Promise<number> {
  const io = client.proxy(IoJobs);
  const results = await Promise.all(Array.from({ length: count }, (_, i) => io.echo.with({ timeoutMs: 20_000 })(i)));
  return results.filter((value, i) => value === i).length;
}

describe('several broker addresses, tried in turn', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;

  test('given a dead address before the live one, a runtime and a client connect to the live one; when the broker closes their connections, they come back through the dead one, and every call is answered', { timeout: 60_000 }, async () => {
    const urls = `${await deadAddress()},${rabbit.url}`;
    const namespace = randomNamespace();
    const config = fixtureConfig(urls, namespace);
    const capture = captureLogger('info');
    const runtime = await Runtime.start({ config, logger: capture.logger });
    let client: WarrenClient | undefined;
    try {
      client = await connect({ url: urls, config, logger: capture.logger });
      assert.equal(await echoAll(client, 20), 20);
      const started = JSON.parse(await capture.waitFor(/"msg":"runtime started"/)) as { broker: string };
      assert.equal(started.broker, rabbit.url.replace(':guest@', ':***@'), 'the log names the node it connected to');

      const recovered = once(runtime, 'reconnected');
      await rabbit.ctl(['close_all_connections', 'broker-urls test: fail over']);
      await recovered;
      assert.equal(runtime.snapshot().reconnects, 1);
      assert.equal(runtime.snapshot().broker, rabbit.url.replace(':guest@', ':***@'), 'the snapshot (warren inspect, the dashboard) names the node it is on');
      assert.match(await capture.waitFor(/broker connection recovered/), new RegExp(`broker connection recovered on ${rabbit.url.replace(':guest@', ':\\*\\*\\*@').replace(/[.]/g, '\\.')}`));
      assert.equal(await echoAll(client, 20), 20, 'the client came back too, and nothing was lost');
    } finally {
      await client?.close();
      await runtime.stop();
    }
  });

  test('given only dead addresses, the start fails within seconds naming each of them, and never the password', { timeout: 60_000 }, async () => {
    const urls = `${await deadAddress('warren:s3cret-pass')},${await deadAddress('warren:s3cret-pass')}`;
    const config = fixtureConfig(urls, randomNamespace());
    const error = await Runtime.start({ config, logger: captureLogger('silent').logger }).then(
      () => assert.fail('started without a broker'),
      (thrown: unknown) => thrown as Error,
    );
    assert.ok(error instanceof TransportError, String(error));
    const [first, second] = urls.split(',').map((url) => url.replace('s3cret-pass', '***'));
    assert.ok(error.message.startsWith(`Cannot connect to RabbitMQ at any of ${first},${second}: `), error.message);
    assert.doesNotMatch(`${error.message}\n${error.stack}`, /s3cret-pass/);
  });
});
