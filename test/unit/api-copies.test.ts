import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { unseenTracerApiVersion, warnOfSecondTracingApi } from '../../src/tracing/api-copies';

const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');
const globals = globalThis as Record<symbol, unknown>;

describe('a second copy of @opentelemetry/api', () => {
  afterEach(() => {
    trace.disable();
    delete globals[GLOBAL_API_KEY];
  });

  test('an SDK registered through the same copy is seen: no warning', () => {
    trace.setGlobalTracerProvider({ getTracer: () => trace.getTracer('unused') });
    assert.equal(unseenTracerApiVersion(), undefined);
  });

  test('with no SDK at all, nothing to warn of', () => {
    assert.equal(unseenTracerApiVersion(), undefined);
  });

  test('an SDK registered through an older copy, which this one ignores, is named once in the log', () => {
    // What an SDK's api 1.0.0 leaves on the global: this (newer) copy refuses to read it.
    globals[GLOBAL_API_KEY] = { version: '1.0.0', trace: { getTracer: () => assert.fail('never asked') } };
    assert.equal(unseenTracerApiVersion(), '1.0.0');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    warnOfSecondTracingApi(logger);
    warnOfSecondTracingApi(logger);
    assert.equal(lines.length, 1, 'logged once');
    const line = JSON.parse(lines[0] as string) as { level: number; msg: string; sdkApiVersion: string; warrenApiVersion: string };
    assert.equal(line.level, 40);
    assert.equal(line.sdkApiVersion, '1.0.0');
    assert.match(line.warrenApiVersion, /^1\.\d+\.\d+$/);
    assert.match(line.msg, /tracing is off for Warren.*@opentelemetry\/api 1\.0\.0.*another copy/);
  });
});
