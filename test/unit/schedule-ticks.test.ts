import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeStates, type ScheduleState } from '../../src/schedule/schedule-state';
import { checkTiming, dueTicks, nextTick, ticksBetween, tickTaskId } from '../../src/schedule/ticks';

const at = (iso: string) => Date.parse(iso);
const everySecond = { timing: { everyMs: 1_000 }, catchUp: 'skip' as const };

test('an interval ticks at multiples of itself since the epoch, so every runtime computes the same ticks', () => {
  assert.equal(nextTick({ everyMs: 1_000 }, 1_500), 2_000);
  assert.equal(nextTick({ everyMs: 1_000 }, 2_000), 3_000, 'strictly after');
  assert.deepEqual(ticksBetween({ everyMs: 1_000 }, 1_000, 4_000), [2_000, 3_000, 4_000]);
});

test('a cron expression ticks in its time zone, with seconds when it has six fields', () => {
  assert.equal(nextTick({ cron: '0 3 * * *', timezone: 'Europe/Paris' }, at('2026-12-02T00:00:00Z')), at('2026-12-02T02:00:00Z'), '03:00 in Paris is 02:00 UTC in winter');
  assert.equal(nextTick({ cron: '0 3 * * *' }, at('2026-12-02T00:00:00Z')), at('2026-12-02T03:00:00Z'), 'UTC by default');
  assert.equal(nextTick({ cron: '*/5 * * * * *' }, at('2026-12-02T00:00:01Z')), at('2026-12-02T00:00:05Z'));
});

test('a bad cron, a bad time zone or an interval under a second is refused with the reason', () => {
  assert.throws(() => checkTiming({ cron: 'every day' }), /exactly five, six, or seven/);
  assert.throws(() => checkTiming({ cron: '* * * * *', timezone: 'Mars/Olympus' }), /time ?zone|Invalid/i);
  assert.throws(() => checkTiming({ everyMs: 500 }), /at least 1000/);
});

test('after a failover every missed tick fires once; nothing before the last handled one fires again', () => {
  const now = 10_500;
  const due = dueTicks(everySecond, { through: 7_000, writtenAt: 6_000 }, now, 15_000);
  assert.deepEqual(due.fire, [8_000, 9_000, 10_000]);
  assert.equal(due.through, now);
  assert.deepEqual(dueTicks(everySecond, { through: now, writtenAt: 6_000 }, now, 15_000).fire, [], 'the same round again fires nothing');
});

test('after an outage the catch-up policy decides: skip fires only the last grace period, once adds one run for the rest', () => {
  const now = 100_000;
  const state = { through: 10_000, writtenAt: 10_000 };
  assert.deepEqual(dueTicks(everySecond, state, now, 3_000).fire, [98_000, 99_000, 100_000]);
  assert.deepEqual(dueTicks({ ...everySecond, catchUp: 'once' }, state, now, 3_000).fire, [11_000, 98_000, 99_000, 100_000]);
});

test('a schedule seen for the first time starts from now, not from the past', () => {
  assert.deepEqual(dueTicks(everySecond, { through: undefined, writtenAt: 0 }, 50_000, 15_000), { fire: [], through: 50_000 });
});

test("a tick's task id is its schedule and its time", () => {
  assert.equal(tickTaskId('nightly', at('2026-12-02T03:00:00Z')), 'schedule:nightly@2026-12-02T03:00:00.000Z');
});

test('two tokens merge to the later progress of each schedule and the later pause setting', () => {
  const a: ScheduleState = { version: 1, writtenAt: 5, holder: 'a', schedules: { x: { through: 100, lastFired: 100 }, y: { through: 50, paused: true, pausedChangedAt: 10 } } };
  const b: ScheduleState = { version: 1, writtenAt: 7, holder: 'b', schedules: { x: { through: 90, lastFired: 90 }, y: { through: 60, paused: false, pausedChangedAt: 20 }, z: { through: 1 } } };
  const merged = mergeStates(a, b);
  assert.deepEqual(merged.schedules, { x: { through: 100, lastFired: 100 }, y: { through: 60, paused: false, pausedChangedAt: 20 }, z: { through: 1 } });
  assert.equal(merged.holder, 'b');
});
