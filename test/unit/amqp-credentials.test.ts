import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import util from 'node:util';
import { TransportError } from '../../src/errors';
import { connectTarget, scrubSecrets } from '../../src/transport/amqp-credentials';

describe('broker URL credentials', () => {
  test('given a percent-encoded UTF-8 user and password, then amqplib gets them decoded, and the vhost as the URL has it', () => {
    const target = connectTarget('amqp://w%C3%A4rren:p%C3%A4ss%2Fw%40rd@rabbit.local:5673/my%2Fvhost?heartbeat=7&frameMax=4096', {}, 30);
    assert.deepEqual(target, {
      protocol: 'amqp',
      hostname: 'rabbit.local',
      port: 5673,
      username: 'wärren',
      password: 'päss/w@rd',
      vhost: 'my%2Fvhost',
      heartbeat: 7,
      frameMax: 4096,
      channelMax: undefined,
      locale: undefined,
    });
  });

  test('given no credentials in the URL, then guest, or those given apart, which win over the URL', () => {
    assert.deepEqual([connectTarget('amqps://[::1]', {}, undefined)].map(({ username, password, hostname, port, vhost }) => ({ username, password, hostname, port, vhost })), [{ username: 'guest', password: 'guest', hostname: '::1', port: 5671, vhost: '/' }]);
    const given = connectTarget('amqp://url-user:url-pass@h/', { username: 'ü', password: 'p%C3%A4ss' }, 30);
    assert.deepEqual([given.username, given.password, given.heartbeat], ['ü', 'p%C3%A4ss', 30], 'taken as they are, not decoded');
  });

  test('given a URL that is not valid or wrongly encoded, then the error names the URL without its password', () => {
    for (const url of ['amqp://u:s3cret@host:99x', 'amqp://u:s3cret%E0%A4@host', 'http://u:s3cret@host']) {
      const error = (() => {
        try {
          connectTarget(url, {}, undefined);
        } catch (thrown) {
          return thrown as Error;
        }
        return assert.fail(`accepted ${url}`);
      })();
      assert.ok(error instanceof TransportError, url);
      assert.ok(!util.inspect(error, { depth: Infinity, showHidden: true }).includes('s3cret'), `${url}: ${error.message}`);
    }
  });

  test('given an error whose message, stack, properties and causes hold a secret, then the scrubbed copy holds none and keeps the rest', () => {
    const inner = Object.assign(new TypeError('Invalid URL amqp://u:hunter2@h'), { input: 'amqp://u:hunter2@h', code: 'ERR_INVALID_URL' });
    const outer = new Error('connect failed for hunter2', { cause: inner });
    const scrubbed = scrubSecrets(outer, ['hunter2']) as Error & { cause: TypeError & { input: string; code: string } };
    const shown = util.inspect(scrubbed, { depth: Infinity, showHidden: true });
    assert.ok(!shown.includes('hunter2'), shown);
    assert.equal(scrubbed.message, 'connect failed for ***');
    assert.deepEqual([scrubbed.cause.name, scrubbed.cause.input, scrubbed.cause.code], ['TypeError', 'amqp://u:***@h', 'ERR_INVALID_URL']);
  });
});
