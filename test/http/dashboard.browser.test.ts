import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RemoteTaskError } from '../../src';
import { HEADERS } from '../../src/protocol/headers';
import { openTransport } from '../../src/transport/open-transport';
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

    // The fleet: this runtime (the only one) and the totals row.
    await page.locator(`#fleet tr[data-runtime="${stack.runtime.id}"]`, { hasText: '(this one)' }).waitFor();
    assert.match(await page.locator('#fleet tr[data-runtime="total"]').innerText(), /All 1\s+1 \/ 1 ready/);

    // A task in flight is listed, with where it runs, and goes once it finishes.
    const heldKey = `browser-held-${randomNamespace()}`;
    const heldId = await stack.client.proxy(IoJobs).holdUntilReleased.enqueue(heldKey);
    assert.match(await page.locator(`#inflight tr[data-task="${heldId}"]`).innerText(), /IoJobs\.holdUntilReleased\s+[0-9a-f-]{36}\s+\S+ m?s\s+io main thread/);
    runLog.release(heldKey);
    await page.locator(`#inflight tr[data-task="${heldId}"]`).waitFor({ state: 'detached' });

    // Found by its id: its page, with the result read from the (embedded) result store; back to the dashboard.
    await page.locator('#task-id').fill(id);
    await page.locator('#task-form button[type="submit"]').click();
    const found = page.locator(`#task-view[data-task-id="${id}"][data-state="succeeded"]`);
    await found.waitFor();
    assert.match(await found.locator('[data-result]').innerText(), /^5$/);
    assert.match(await found.locator('[data-fact="source"]').innerText(), /the result store/);
    assert.equal(await page.locator('#overview').isHidden(), true, 'the task page stands alone');
    await page.locator('#back').click();
    await page.locator('#queues tr[data-queue="fx-io"]').waitFor();
    assert.equal(await page.locator('#task-page').isHidden(), true);

    // A task with a countdown shows as scheduled, with its due time, then runs.
    const later = await stack.client.proxy(MathJobs).add.with({ delayMs: 1_500 }).enqueue(4, 5);
    assert.match(await page.locator(`#recent tr[data-task-id="${later}"][data-outcome="scheduled"]`).innerText(), /due \d{2}:\d{2}:\d{2}/);
    await page.locator(`#recent tr[data-task-id="${later}"][data-outcome="succeeded"]`).waitFor();
    assert.equal(await page.locator(`#failures [data-task-id="${later}"]`).count(), 0, 'a countdown is not a failure');

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

test('given dead letters in Chromium, the card pages newest first, keeps an opened stack open as more arrive, replays and deletes one, replays all past one it cannot, and says unknown when the broker does not answer', { timeout: 120_000 }, async () => {
  const stack = await startHttpStack();
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    const gate = stack.client.proxy(RetryJobs);
    const keys = Array.from({ length: 23 }, (_, i) => `page-${i}-${randomNamespace()}`);
    for (const key of keys.slice(0, 22)) await assert.rejects(gate.gate(key), RemoteTaskError);
    browser = await launchChromium();
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const confirmNext = () =>
      new Promise<string>((resolve) => {
        page.once('dialog', (shown) => {
          resolve(shown.message());
          void shown.accept();
        });
      });
    const card = page.locator('#dead .dlq[data-queue="fx-retry"]');
    const rowOf = (i: number) => card.locator('tr[data-task-id]', { hasText: `gate ${keys[i]} is closed` });

    await page.goto(stack.http.url);
    // Newest first, 20 to a page.
    await card.locator('[data-page="range"]', { hasText: '1–20 of 22, newest first' }).waitFor();
    assert.match(await card.locator('tr[data-task-id]').first().innerText(), new RegExp(`gate ${keys[21]} is closed`));
    await card.locator('button[data-action="older"]').click();
    await card.locator('[data-page="range"]', { hasText: '21–22 of 22' }).waitFor();
    assert.deepEqual(await card.locator('tr[data-task-id] td:nth-child(2) div').allInnerTexts(), [`NonRetryableError: gate ${keys[1]} is closed`, `NonRetryableError: gate ${keys[0]} is closed`]);
    await card.locator('button[data-action="newer"]').click();
    await card.locator('[data-page="range"]', { hasText: '1–20 of 22' }).waitFor();

    // D4: a stack the operator opened stays open while another dead letter arrives and the card is drawn again.
    await rowOf(21).locator('details summary').click();
    await assert.rejects(gate.gate(keys[22]!), RemoteTaskError);
    await card.locator('[data-page="range"]', { hasText: '1–20 of 23' }).waitFor();
    await rowOf(22).waitFor();
    assert.equal(await rowOf(21).locator('details').evaluate((details) => (details as unknown as { open: boolean }).open), true, 'still open after the re-render');

    // Delete one: only that one goes.
    const newestId = await rowOf(22).getAttribute('data-task-id');
    const deleting = confirmNext();
    await rowOf(22).locator('button[data-action="delete-one"]').click();
    assert.equal(await deleting, `Delete dead letter ${newestId} of "fx-retry" for good? This cannot be undone.`);
    await page.locator('#toast.show', { hasText: `Deleted dead letter ${newestId!.slice(0, 8)} of fx-retry` }).waitFor();
    await card.locator('[data-page="range"]', { hasText: '1–20 of 22' }).waitFor();
    assert.equal(await rowOf(22).count(), 0);

    // Replay one: it runs and succeeds; the others stay.
    runLog.released.add(keys[21]!);
    const oneId = await rowOf(21).getAttribute('data-task-id');
    const replaying = confirmNext();
    await rowOf(21).locator('button[data-action="replay-one"]').click();
    assert.match(await replaying, /^Replay dead letter .* of "fx-retry" as a new task\?$/);
    await page.locator(`#recent tr[data-task-id="${oneId}"][data-outcome="succeeded"]`).waitFor();
    await card.locator('[data-page="range"]', { hasText: '1–20 of 21' }).waitFor();

    // D1 on the page: a dead letter no queue serves is skipped with its reason, the others are replayed.
    const raw = await openTransport(stack.url, { connectionName: 'browser test raw publisher' });
    await raw.publish('', `${stack.config.broker.namespace}.fx-retry.dead`, Buffer.from('{"args":[]}'), { messageId: 'junk-on-the-page', headers: { [HEADERS.task]: 'Junk.replayme' } });
    await raw.close();
    await card.locator('[data-page="range"]', { hasText: '1–20 of 22' }).waitFor();
    for (const key of keys) runLog.released.add(key);
    const replayingAll = confirmNext();
    await card.locator('button[data-action="replay"]').click();
    assert.equal(await replayingAll, 'Replay 22 dead letters of "fx-retry" as new tasks?');
    await page.locator('#toast.show.bad', { hasText: "Replayed 21 dead letter(s) of fx-retry; 1 cannot be replayed and stay: 1 × no queue is bound to task 'Junk.replayme' any more" }).waitFor();
    await card.locator('tr[data-task-id="junk-on-the-page"]').waitFor();
    await card.locator('.badge.bad', { hasText: '1 message' }).waitFor();

    // D5: while the broker does not answer, the card says the count is unknown, not "No dead letters."
    await page.route('**/api/queues', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { queues: Array<Record<string, unknown>> };
      const unknown = body.queues.map((queue) => ({ ...queue, messages: undefined, consumers: undefined, deadLetters: undefined }));
      await route.fulfill({ response, json: { queues: unknown, depthsError: 'The broker did not report queue depths within 3000 ms', depthsAgeMs: null } });
    });
    await page.locator('#dead [data-dead-unknown]', { hasText: 'Dead letters unknown: the broker has not answered (The broker did not report queue depths within 3000 ms).' }).waitFor();
    assert.equal(await page.locator('#dead .empty').count(), 0, 'no "No dead letters." while unknown');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await stack.stop();
  }
});

test('given Chromium, a task opened from the lists has a page with its arguments, result or error, and every step; the lists filter by task, queue and outcome, and pause', { timeout: 120_000 }, async () => {
  const stack = await startHttpStack();
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(stack.http.url);
    await page.locator('#live.on').waitFor();

    // Fails twice, then succeeds on its third attempt: its page tells all nine steps.
    const key = `page-flaky-${randomNamespace()}`;
    const flakyId = await stack.client.proxy(RetryJobs).flaky.enqueue(key, 2);
    await page.locator(`#recent tr[data-task-id="${flakyId}"][data-outcome="succeeded"]`).waitFor();
    await page.locator(`#recent tr[data-task-id="${flakyId}"][data-outcome="succeeded"] a.task-link`).click();
    const view = page.locator(`#task-view[data-task-id="${flakyId}"][data-state="succeeded"]`);
    await view.waitFor();
    assert.equal(new URL(page.url()).hash, `#/task/${flakyId}`, 'a page of its own, with an address to share');
    const steps = await view.locator('tr[data-step]').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-step')}@${row.getAttribute('data-attempt')}`));
    assert.deepEqual(steps, ['queued@1', 'running@1', 'retrying@1', 'queued@2', 'running@2', 'retrying@2', 'queued@3', 'running@3', 'succeeded@3']);
    assert.match(await view.locator('tr[data-step="retrying"]').first().innerText(), /flaky failure on attempt 1/);
    assert.deepEqual(JSON.parse(await view.locator('[data-args] pre').innerText()), [key, 2]);
    assert.equal(await view.locator('[data-result] pre').innerText(), '3');
    assert.match(await view.locator('[data-fact="queue"]').innerText(), /fx-retry\s+io/);
    assert.match(await view.locator('[data-fact="thread"]').innerText(), /main thread/);
    assert.match(await view.locator('[data-next]').innerText(), /^Done: the result store keeps its result/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-task.png'), fullPage: true });

    // A failed one, opened from the failures: its error with the stack, and how to replay it.
    await page.goBack();
    await assert.rejects(stack.client.proxy(RetryJobs).permanent(`page-permanent-${randomNamespace()}`), RemoteTaskError);
    const failure = page.locator('#failures .failure[data-outcome="failed"]', { hasText: 'RetryJobs.permanent' });
    await failure.waitFor();
    const failedId = (await failure.getAttribute('data-task-id')) as string;
    await failure.locator('a.task-link').click();
    const failed = page.locator(`#task-view[data-task-id="${failedId}"][data-state="failed"]`);
    await failed.waitFor();
    assert.match(await failed.locator('[data-error]').innerText(), /^NonRetryableError: this record does not exist$/);
    assert.match(await failed.locator('pre').last().innerText(), /NonRetryableError: this record does not exist\n\s+at /);
    assert.match(await failed.locator('[data-next]').innerText(), new RegExp(`warren dlq replay fx-retry --id ${failedId}`));

    // Straight to an unknown id: the page says nobody knows it.
    await page.goto(`${stack.http.url}#/task/no-such-task`);
    await page.locator('#task-view[data-state="unknown"] [data-next]', { hasText: 'Neither the result store nor any runtime knows this id' }).waitFor();
    await page.locator('#back').click();

    // Filters: by task, by queue, by outcome.
    await page.locator('#filter-task option[value="RetryJobs.flaky"]').waitFor({ state: 'attached' });
    await page.locator('#filter-task').selectOption('RetryJobs.flaky');
    await page.locator('#recent tr[data-task-id]').first().waitFor();
    assert.deepEqual([...new Set(await page.locator('#recent td.name').evaluateAll((cells) => cells.map((cell) => cell.firstChild?.textContent)))], ['RetryJobs.flaky']);
    await page.locator('#filter-outcome').selectOption('retried');
    assert.deepEqual(await page.locator('#recent tr[data-task-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-outcome'))), ['retried', 'retried']);
    assert.equal(await page.locator('#failures .failure').count(), 2, 'the failures list filters the same way');
    await page.locator('#filter-task').selectOption('');
    await page.locator('#filter-outcome').selectOption('');
    await page.locator('#filter-queue').selectOption('fx-io');
    await page.locator('#recent .empty', { hasText: 'No recent task matches the filters.' }).waitFor();
    await page.locator('#filter-queue').selectOption('');

    // Pause: what finishes meanwhile is counted, not shown, until Resume.
    await page.locator('#pause').click();
    await page.locator('#pause[data-paused="true"]', { hasText: 'Resume' }).waitFor();
    const whilePaused = await stack.client.proxy(MathJobs).add.enqueue(40, 2);
    await page.locator('#paused-note', { hasText: 'Paused: 1 task finished since' }).waitFor();
    assert.equal(await page.locator(`#recent tr[data-task-id="${whilePaused}"]`).count(), 0, 'held still while paused');
    await page.locator('#pause').click();
    await page.locator(`#recent tr[data-task-id="${whilePaused}"][data-outcome="succeeded"]`).waitFor();
    assert.equal(await page.locator('#paused-note').innerText(), '');
    assert.deepEqual(pageErrors, [], 'no script errors and no CSP violations');
  } finally {
    await browser?.close();
    await stack.stop();
  }
});
