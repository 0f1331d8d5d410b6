import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FAULTS_DIR = path.resolve(__dirname, '..');
/** Git-ignored (test/faults/.gitignore): latest.json, latest.md, and per-run records and process logs. */
export const RESULTS_DIR = path.join(FAULTS_DIR, 'results');
export const FAULT_CONFIG = path.join(FAULTS_DIR, 'fault.config.ts');
export const BROKEN_CONFIG = path.join(FAULTS_DIR, 'broken.config.ts');
export const SCHEDULE_CONFIG = path.join(FAULTS_DIR, 'schedule.config.ts');
export const WARREN_BIN = path.join(REPO_ROOT, 'bin', 'warren.js');

/** The queues of the fault config (short names); each has a dead-letter queue `<ns>.<queue>.dead`. */
export const FAULT_QUEUES = ['fault-io', 'fault-cpu', 'fault-retry'] as const;
export type FaultQueue = (typeof FAULT_QUEUES)[number];
