import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { DeadlineClock } from '../../src/util/deadline-clock';
import { RecentMap } from '../../src/util/recent-map';

test('deadlines fire in time order across limits, and a cancelled one never fires', async () => {
  const clock = new DeadlineClock();
  const fired: string[] = [];
  const keepAlive = setTimeout(() => {}, 10_000); // the clock's own timer does not hold the process open
  const all = new Promise<void>((resolve) => {
    const fire = (name: string) => () => {
      fired.push(name);
      if (fired.length === 3) resolve();
    };
    clock.schedule(60, fire('long'));
    clock.schedule(20, fire('short-1'));
    clock.schedule(20, () => fired.push('cancelled')).cancel();
    clock.schedule(20, fire('short-2'));
  });
  await all;
  clearTimeout(keepAlive);
  assert.deepEqual(fired, ['short-1', 'short-2', 'long']);
});

test('a recent map keeps at least its capacity of the newest entries', () => {
  const map = new RecentMap<number, number>(3);
  for (let i = 0; i < 10; i++) map.set(i, i * 10);
  assert.equal(map.get(9), 90);
  assert.equal(map.get(7), 70); // the newest three are always there
  assert.equal(map.get(0), undefined); // the oldest are gone
});

test('a keep-alive clock holds the process open until its deadline fires; a plain one does not', () => {
  const run = (keepAlive: boolean): string =>
    execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', `new (require('./src/util/deadline-clock').DeadlineClock)(${keepAlive}).schedule(50, () => process.stdout.write('fired'))`], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
  assert.equal(run(true), 'fired');
  assert.equal(run(false), '');
});

test('a keep-alive clock lets the process exit once its last deadline is cancelled', () => {
  const script = `const d = new (require('./src/util/deadline-clock').DeadlineClock)(true).schedule(60000, () => process.stdout.write('fired')); d.cancel(); process.stdout.write('exited')`;
  // Without the cancel releasing the timer, the child would live for a minute and this would time out.
  const output = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 20_000 });
  assert.equal(output, 'exited');
});
