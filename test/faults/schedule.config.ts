import { defineConfig } from '../../src';
import faultConfig from './fault.config';

/** The fault config plus a task on a schedule of every second: for the scheduler scenario only, so no other scenario fires it. */
export default defineConfig({ ...faultConfig, jobs: ['jobs/*-jobs.ts', 'jobs/schedule/*-jobs.ts'] });
