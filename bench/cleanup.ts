/**
 * What the bench started and must end: throwaway node, server children, Celery workers.
 * Normal runs stop each in `finally`; on SIGINT/SIGTERM `stopAll` stops what is left, and on
 * process exit `killAll` SIGKILLs anything still there (by the pids we hold, nothing else).
 */
export class Cleanup {
  private nextId = 1;
  private readonly entries = new Map<number, { readonly name: string; readonly stop: () => Promise<void>; readonly kill: () => void }>();

  /** Registers a resource; call the returned function once it was stopped normally. */
  add(name: string, stop: () => Promise<void>, kill: () => void = () => {}): () => void {
    const id = this.nextId++;
    this.entries.set(id, { name, stop, kill });
    return () => this.entries.delete(id);
  }

  /** Stops everything still registered, newest first, each bounded by `timeoutMs`. */
  async stopAll(timeoutMs = 20_000): Promise<void> {
    const entries = [...this.entries.values()].reverse();
    this.entries.clear();
    for (const entry of entries) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([entry.stop().catch(() => {}), timeout]);
      clearTimeout(timer);
      entry.kill();
    }
  }

  /** Synchronous: for `process.on('exit')`. */
  killAll(): void {
    for (const entry of this.entries.values()) entry.kill();
    this.entries.clear();
  }
}
