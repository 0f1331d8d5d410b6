import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkTargets,
  cpuVsBarePool,
  idleRssVsBarePool,
  idleRssVsRaw,
  ioThroughputVsCelery,
  ioThroughputVsRaw,
  isolationVsFloor,
  loadRssVsRaw,
  rpcP50VsCelery,
  rpcP50VsRaw,
  rpcP99VsCelery,
  warmupP99VsCelery,
} from '../../bench/report/targets';
import type { Medians } from '../../bench/results';

/** A run that meets every target. */
const MET: Medians = {
  'io.tasksPerSec': { warren: 17_000, raw: 19_000, 'celery-prefork': 1_600, 'celery-threads': 1_400 },
  'rpc.p50Ms': { warren: 0.9, raw: 0.85, 'celery-prefork': 1.5, 'celery-threads': 1.4 },
  'rpc.p99Ms': { warren: 2.0, raw: 1.5, 'celery-prefork': 2.6, 'celery-threads': 2.5 },
  'rpc.warmupP99Ms': { warren: 2.3, raw: 2.0, 'celery-prefork': 2.4, 'celery-threads': 2.38 },
  'cpu.tasksPerSec': { warren: 196, piscina: 200 },
  'iso.satOverFloor': { warren: 1.2 },
  'mem.idleMb': { warren: 110, raw: 85, piscina: 100 },
  'mem.loadMb': { warren: 130, raw: 90 },
};

/** The same run with every target missed (Celery still there). */
const MISSED: Medians = {
  'io.tasksPerSec': { warren: 5_000, raw: 19_000, 'celery-prefork': 1_600 },
  'rpc.p50Ms': { warren: 1.6, raw: 0.85, 'celery-prefork': 1.5 },
  'rpc.p99Ms': { warren: 2.7, raw: 1.5, 'celery-prefork': 2.6 },
  'rpc.warmupP99Ms': { warren: 3.94, raw: 2.8, 'celery-prefork': 2.38 },
  'cpu.tasksPerSec': { warren: 180, piscina: 200 },
  'iso.satOverFloor': { warren: 1.3 },
  'mem.idleMb': { warren: 145, raw: 85, piscina: 100 },
  'mem.loadMb': { warren: 192, raw: 90 },
};

const ALL = [ioThroughputVsRaw, rpcP50VsRaw, cpuVsBarePool, isolationVsFloor, idleRssVsRaw, idleRssVsBarePool, loadRssVsRaw, warmupP99VsCelery, ioThroughputVsCelery, rpcP50VsCelery, rpcP99VsCelery];

test('every target is met on a run that meets it, with its ratio as the value', () => {
  for (const target of ALL) assert.equal(target(MET).met, true, target(MET).name);
  assert.equal(cpuVsBarePool(MET).value, 0.98);
  assert.equal(idleRssVsRaw(MET).value, 110 / 85);
  assert.equal(isolationVsFloor(MET).value, 1.2);
});

test('every target is missed on a run that misses it', () => {
  for (const target of ALL) assert.equal(target(MISSED).met, false, target(MISSED).name);
  assert.equal(cpuVsBarePool(MISSED).value, 0.9);
  assert.equal(loadRssVsRaw(MISSED).value, 192 / 90);
});

test('the bounds themselves: 0.95 of the bare pool, 1.25 of the floor, 1.3 and 1.5 of raw RSS are met', () => {
  assert.equal(cpuVsBarePool({ 'cpu.tasksPerSec': { warren: 95, piscina: 100 } }).met, true);
  assert.equal(cpuVsBarePool({ 'cpu.tasksPerSec': { warren: 94.9, piscina: 100 } }).met, false);
  assert.equal(isolationVsFloor({ 'iso.satOverFloor': { warren: 1.25 } }).met, true);
  assert.equal(idleRssVsRaw({ 'mem.idleMb': { warren: 130, raw: 100 } }).met, true);
  assert.equal(loadRssVsRaw({ 'mem.loadMb': { warren: 150.1, raw: 100 } }).met, false);
});

test('the warm-up target compares with the faster Celery pool, and is skipped with a note without Celery', () => {
  assert.equal(warmupP99VsCelery(MET).value, 2.3 / 2.38);
  const noCelery: Medians = { 'rpc.warmupP99Ms': { warren: 2.3, raw: 2.0 } };
  const skipped = warmupP99VsCelery(noCelery);
  assert.equal(skipped.met, undefined);
  assert.match(skipped.note ?? '', /Celery not measured/);
});

test('a target whose figures are missing is neither met nor missed', () => {
  const checks = checkTargets({});
  assert.equal(checks.length, ALL.length);
  for (const check of checks) assert.equal(check.met, undefined, check.name);
});
