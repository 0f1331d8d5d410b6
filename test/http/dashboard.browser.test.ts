import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RemoteTaskError } from '../../src';
import { CpuJobs, IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { launchChromium } from '../support/chromium';
import { randomNamespace } from '../support/fixture-runtime';
import { startHttpStack, type HttpStack } from './http-fixture';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/** Keeps a little mixed traffic going (bounded), so the charts have seconds to draw. */
function trafficUntilStopped(stack: HttpStack): { stop: () => Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const maths = stack.client.proxy(MathJobs);
    const cpu = stack.client.proxy(CpuJobs);
    const io = stack.client.proxy(IoJobs);
    for (let round = 0; round < 500 && !stopped; round++) {
      await Promise.all([...Array.from({ length: 4 }, (_, i) => maths.add(round, i)), cpu.spin(5 + (round % 4) * 10), io.sleep(2 + (round % 5) * 8)]);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

test('given the dashboard in Chromium, when tasks run, a dead letter is replayed and a schedule paused and resumed, then the page shows each step live', { timeout: 120_000 }, async (t) => {
  const started = Date.now();
  // A schedule of every second, so the page has one to show, pause and resume.
  const stack = await startHttpStack({}, { schedules: { 'browser-tick': { task: 'Maths.add', everyMs: 1_000, args: [1, 1] } } });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let traffic: { stop: () => Promise<void> } | undefined;
  try {
    browser = await launchChromium();
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    await page.goto(stack.http.url);
    await page.locator('#live.on').waitFor(); // the event stream is open
    await page.locator('#state', { hasText: 'ready' }).waitFor();
    await page.locator('#queues tr[data-queue="fx-io"]').waitFor();

    // A task the test ran shows up, pushed by the stream.
    const id = await stack.client.proxy(MathJobs).add.enqueue(2, 3);
    await page.locator(`#recent tr[data-task-id="${id}"][data-outcome="succeeded"]`).waitFor();

    // A task with a countdown shows as scheduled, with its due time, then runs.
    const later = await stack.client.proxy(MathJobs).add.with({ delayMs: 1_500 }).enqueue(4, 5);
    assert.match(await page.locator(`#recent tr[data-task-id="${later}"][data-outcome="scheduled"]`).innerText(), /due \d{2}:\d{2}:\d{2}/);
    await page.locator(`#recent tr[data-task-id="${later}"][data-outcome="succeeded"]`).waitFor();

    // A dead letter shows up with its reason, and in the failures.
    const key = `browser-gate-${randomNamespace()}`;
    await assert.rejects(stack.client.proxy(RetryJobs).gate(key), RemoteTaskError);
    const deadRow = page.locator('#dead .dlq[data-queue="fx-retry"] tr[data-task-id]');
    await deadRow.waitFor();
    assert.match(await deadRow.innerText(), new RegExp(`NonRetryableError: gate ${key} is closed`));
    const deadId = await deadRow.getAttribute('data-task-id');
    assert.ok(deadId);
    await page.locator(`#failures [data-task-id="${deadId}"][data-outcome="failed"]`).waitFor();
    await page.locator('#queues tr[data-queue="fx-retry"] .badge.bad', { hasText: '1' }).waitFor();

    // Some traffic, until both charts have drawn a few seconds of it.
    traffic = trafficUntilStopped(stack);
    await page.locator('#latency circle').nth(7).waitFor(); // p50 and p95 of four seconds
    await traffic.stop();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dead-letter.png'), fullPage: true });

    // The cause is fixed; Replay, confirmed, sends it back, and it completes.
    runLog.released.add(key);
    const dialog = new Promise<string>((resolve) => {
      page.once('dialog', (shown) => {
        resolve(shown.message());
        void shown.accept();
      });
    });
    await page.locator('#dead .dlq[data-queue="fx-retry"] button[data-action="replay"]').click();
    assert.match(await dialog, /^Replay 1 dead letter of "fx-retry" as new tasks\?$/);
    await page.locator(`#recent tr[data-task-id="${deadId}"][data-outcome="succeeded"]`).waitFor();
    await page.locator('#toast.show', { hasText: 'Replayed 1 dead letter(s) of fx-retry' }).waitFor();
    await page.locator('#dead .dlq[data-queue="fx-retry"]').waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // The schedule: listed with its holder, paused and resumed from the page.
    const schedule = page.locator('#schedules tr[data-schedule="browser-tick"]');
    await schedule.waitFor();
    assert.match(await page.locator('#schedules-holder').innerText(), new RegExp(`fired by ${stack.runtime.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await schedule.locator('button[data-action="pause"]').click();
    await page.locator('#toast.show', { hasText: 'Paused browser-tick' }).waitFor();
    await page.locator('#schedules tr[data-schedule="browser-tick"][data-paused="true"]').waitFor();
    assert.equal(stack.runtime.snapshot().schedules[0]?.paused, true, 'paused in the runtime, not only on the page');
    await page.locator('#schedules tr[data-schedule="browser-tick"] button[data-action="resume"]').click();
    await page.locator('#schedules tr[data-schedule="browser-tick"][data-paused="false"]').waitFor();

    assert.deepEqual(pageErrors, [], 'no script errors and no CSP violations');
    t.diagnostic(`browser test took ${Date.now() - started} ms`);
  } finally {
    await traffic?.stop();
    await browser?.close();
    await stack.stop();
  }
});
