"""Celery app for Warren's benchmark (bench/run.ts starts it as a worker; nothing else uses it).

Environment (set by bench/celery/celery-worker.ts):
  BENCH_BROKER_URL           amqp:// URL of the broker the bench runs on
  BENCH_CELERY_QUEUE         the queue to consume (a fresh name per bench run)
  BENCH_PREFETCH_MULTIPLIER  prefetch = multiplier x concurrency (the bench matches Warren's prefetch)

Same broker work as Warren: a durable queue, persistent task messages, acknowledgement after the
task ran (acks_late), results through the rpc:// backend to the caller's reply_to (the bench's
caller uses RabbitMQ direct reply-to, like Warren's client).
"""

import os
import signal
import threading
import time

from celery import Celery
from kombu import Exchange, Queue

QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "bench.celery")

app = Celery("bench_celery", broker=os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1//"), backend="rpc://")
app.conf.update(
    task_queues=[Queue(QUEUE, Exchange(QUEUE, type="direct", durable=True), routing_key=QUEUE, durable=True)],
    task_default_queue=QUEUE,
    task_acks_late=True,
    worker_prefetch_multiplier=int(os.environ.get("BENCH_PREFETCH_MULTIPLIER", "1")),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_persistent=False,
    broker_heartbeat=0,
    worker_send_task_events=False,
    task_send_sent_event=False,
    worker_redirect_stdouts=False,
)


def _watch_parent(pid):
    """Do not outlive the bench process: if it is gone, end this worker's process group."""
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os.killpg(os.getpgrp(), signal.SIGKILL)


if os.environ.get("BENCH_PARENT_PID"):
    threading.Thread(target=_watch_parent, args=(int(os.environ["BENCH_PARENT_PID"]),), daemon=True).start()


@app.task(name="bench.noop")
def noop():
    return None


@app.task(name="bench.echo")
def echo(value):
    return value
