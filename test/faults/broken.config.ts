import { defineConfig } from '../../src';
import faultConfig from './fault.config';

/** The fault config plus a job module that throws on every import: `warren start` must fail fast, naming it. */
export default defineConfig({ ...faultConfig, jobs: ['jobs/*-jobs.ts', 'jobs/broken/*.ts'] });
