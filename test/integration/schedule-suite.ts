import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { connect, resolveConfig, Runtime, type WarrenClient } from '../../src';
import { run } from '../package/user-project';
import { randomNamespace } from '../support/fixture-runtime';
import { firings } from './fixtures/schedule-jobs';

const silent = pino({ level: 'silent' });

/** The tick times (epoch ms) of the next `count` firings of `every-second` in this process. */
function nextFirings(count: number): Promise<Array<{ taskId: string; tick: number; at: number }>> {
  return new Promise((resolve) => {
    const seen: Array<{ taskId: string; tick: number; at: number }> = [];
    const listener = (firing: { taskId: string; at: number }) => {
      seen.push({ taskId: firing.taskId, tick: Date.parse(firing.taskId.split('@')[1] ?? ''), at: firing.at });
      if (seen.length < count) return;
      firings.off('fired', listener);
      resolve(seen);
    };
    firings.on('fired', listener);
  });
}

/** Schedules on one broker, fired by two runtimes of one namespace: once per tick, whoever holds them. */
export function scheduleSuite(url: string | undefined): void {
  const namespace = randomNamespace();
  const config = resolveConfig({ jobs: 'fixtures/schedule-jobs.ts', broker: { url: url ?? 'memory://schedules', namespace }, logLevel: 'silent' }, { source: 'test', rootDir: __dirname }, {});
  const runtimes: Runtime[] = [];
  let client: WarrenClient | undefined;
  // The embedded broker's timers do not hold the process open; the schedules' timer does not either.
  const keepAlive = setInterval(() => {}, 1_000);
  after(async () => {
    clearInterval(keepAlive);
    await client?.close();
    for (const runtime of runtimes) await runtime.stop();
  });

  test('two runtimes fire a schedule once per tick; when the holder stops, the other takes over and misses no tick', { timeout: 60_000 }, async () => {
    const firstFirings = nextFirings(3);
    runtimes.push(await Runtime.start({ config, logger: silent }), await Runtime.start({ config, logger: silent }));
    const first = await firstFirings;
    const holders = runtimes.filter((runtime) => runtime.snapshot().schedules[0]?.holder);
    assert.equal(holders.length, 1, 'one runtime holds the schedules');
    const holder = holders[0] as Runtime;

    const later = nextFirings(3);
    await holder.stop();
    runtimes.splice(runtimes.indexOf(holder), 1);
    const after = await later;
    assert.equal(runtimes[0]?.snapshot().schedules[0]?.holder, runtimes[0]?.id, 'the other runtime holds them now');

    const ticks = [...first, ...after].map((firing) => firing.tick);
    assert.deepEqual(ticks, [...new Set(ticks)], `no tick twice: ${ticks.join(', ')}`);
    for (let i = 1; i < ticks.length; i++) assert.equal((ticks[i] as number) - (ticks[i - 1] as number), 1_000, `no tick missed: ${ticks.join(', ')}`);
    for (const firing of [...first, ...after]) assert.ok(firing.at >= firing.tick, 'not before its tick');
  });

  test('schedules lists the schedule with its holder and firings; pause stops it, resume fires it again from now', { timeout: 60_000 }, async () => {
    client = await connect({ config });
    const [listed] = await client.schedules({ timeoutMs: 300 });
    assert.equal(listed?.name, 'every-second');
    assert.equal(listed?.task, 'Ticker.tick');
    assert.equal(listed?.timing, 'every 1000 ms');
    assert.equal(listed?.holder, runtimes[0]?.id);
    assert.ok(listed?.lastFired && listed.next && Date.parse(listed.next) > Date.parse(listed.lastFired));

    const paused = await client.pauseSchedule('every-second', true, { timeoutMs: 300 });
    assert.equal(paused.paused, true);
    let firedWhilePaused = 0;
    const count = () => firedWhilePaused++;
    firings.on('fired', count);
    // Two ticks' time: a tick already due when the pause landed may still fire, none after it.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    firings.off('fired', count);
    assert.ok(firedWhilePaused <= 1, `${firedWhilePaused} firings while paused`);

    const resumedAt = Date.now();
    const again = nextFirings(1);
    assert.equal((await client.pauseSchedule('every-second', false, { timeoutMs: 300 })).paused, false);
    const [next] = await again;
    assert.ok((next?.tick ?? 0) >= resumedAt - 1_000, 'the ticks of the pause are not made up for');
    await assert.rejects(client.pauseSchedule('no-such-schedule', true, { timeoutMs: 300 }), /defines a schedule named 'no-such-schedule'/);
  });

  test('warren schedules lists them with the holder; warren schedules pause and resume change one; an unknown one exits 3', { skip: url === undefined && 'the CLI reaches runtimes of other processes only through RabbitMQ', timeout: 60_000 }, async () => {
    const warren = (...args: string[]) => runCli(args, { WARREN_BROKER_URL: url as string, WARREN_NAMESPACE: namespace });
    const listed = await warren('schedules');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`held by ${escape(runtimes[0]?.id ?? '')}`));
    assert.match(listed.stdout, /every-second\s+Ticker\.tick\s+every 1000 ms\s+\d{4}-.*Z\s+\d{4}-.*Z/);
    const paused = await warren('schedules', 'pause', 'every-second');
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /every-second paused/);
    assert.match((await warren('schedules')).stdout, /every-second.*paused/);
    const resumed = await warren('schedules', 'resume', 'every-second');
    assert.match(resumed.stdout, /every-second resumed; next firing \d{4}-/);
    const unknown = await warren('schedules', 'pause', 'nope');
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /named 'nope'/);
  });
}

const ROOT = path.join(__dirname, '..', '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(ROOT, 'bin', 'warren.js'), ...args, '--config', 'test/fixtures/fixture.config.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
