import { defineConfig } from '../../src';
import fixture from '../fixtures/fixture.config';

/** The fixture runtime with its HTTP server on a free port: for `warren start` tests. */
export default defineConfig({
  ...fixture,
  jobs: ['../fixtures/jobs/fixture-jobs.ts', '../fixtures/jobs/retry-jobs.ts'],
  http: { port: Number(process.env.WARREN_TEST_HTTP_PORT || 0), host: process.env.WARREN_TEST_HTTP_HOST || '127.0.0.1' },
});
