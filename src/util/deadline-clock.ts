interface Entry {
  readonly at: number;
  readonly fire: () => void;
  prev: Entry | undefined;
  next: Entry | undefined;
  list: List | undefined;
}

interface List {
  head: Entry | undefined;
  tail: Entry | undefined;
}

export interface Deadline {
  /** Forget it: the run finished in time. O(1). */
  cancel(): void;
}

/**
 * Every run's time limits on one timer per thread. Runs with the same limit expire in the order
 * they started, so each limit keeps a linked list in start order and only the heads are watched:
 * scheduling and cancelling cost O(1) and no timer is created per task, where a setTimeout and a
 * clearTimeout per run were a measurable part of a no-op task's cost.
 */
export class DeadlineClock {
  private readonly lists = new Map<number, List>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** Deadlines scheduled and neither cancelled nor fired: at 0 a keep-alive clock's timer stops holding the process. */
  private pending = 0;

  /**
   * @param keepAlive whether a pending deadline keeps the process alive, as a timer does. Off for
   * time limits (pending limits alone must not keep a process running); on for calls waiting for
   * a reply, which must end in their answer or their timeout, never in a silent exit.
   */
  constructor(private readonly keepAlive = false) {}

  schedule(limitMs: number, fire: () => void): Deadline {
    let list = this.lists.get(limitMs);
    if (!list) this.lists.set(limitMs, (list = { head: undefined, tail: undefined }));
    const entry: Entry = { at: Date.now() + limitMs, fire, prev: list.tail, next: undefined, list };
    if (list.tail) list.tail.next = entry;
    else list.head = entry;
    list.tail = entry;
    if (++this.pending === 1 && this.keepAlive) this.timer?.ref();
    if (entry.at < this.timerAt) this.arm(entry.at);
    return { cancel: () => this.remove(entry) };
  }

  private remove(entry: Entry): void {
    if (!unlink(entry)) return;
    // The timer stays armed (re-arming per task was the cost this clock exists to avoid); it just
    // no longer keeps the process alive. When it fires with nothing due, nothing happens.
    if (--this.pending === 0 && this.keepAlive) this.timer?.unref();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    // setTimeout fires at once past 2^31 - 1 ms (24.8 days): a longer wait (an awaited call due in a
    // month) wakes once on the way and arms again, since tick fires only what is due.
    this.timer = setTimeout(() => this.tick(), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    if (!this.keepAlive || this.pending === 0) this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const list of this.lists.values()) {
      while (list.head && list.head.at <= now) {
        const due = list.head;
        this.remove(due);
        due.fire();
      }
      if (list.head) next = Math.min(next, list.head.at);
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Takes the entry out of its list; false if it was not in one (already cancelled or fired). */
function unlink(entry: Entry): boolean {
  const list = entry.list;
  if (!list) return false;
  if (entry.prev) entry.prev.next = entry.next;
  else list.head = entry.next;
  if (entry.next) entry.next.prev = entry.prev;
  else list.tail = entry.prev;
  entry.list = entry.prev = entry.next = undefined;
  return true;
}
