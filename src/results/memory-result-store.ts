import type { ResultStore, StoredTask, TaskWrite } from './result-store';
import { FINAL_PHASE, phaseOf, supersedes } from './row-order';

/**
 * The embedded default: rows in this process, shared by every runtime and client of one
 * namespace on the embedded broker (see `memoryResultStoreFor`). Gone when the process ends.
 */
export class MemoryResultStore implements ResultStore {
  readonly kind = 'memory';
  readonly description = 'memory:// (embedded, in this process)';
  readonly healthy = true;
  private readonly rows = new Map<string, StoredTask>();

  constructor(private readonly retentionMs: number) {}

  async open(): Promise<void> {}

  async write({ encodedResult, ...row }: TaskWrite): Promise<void> {
    const stored = this.rows.get(row.taskId);
    if (!supersedes(row, stored)) return;
    // A copy, as a database keeps one: what the task's code holds can change, the stored result cannot.
    const result = encodedResult === undefined ? row.result : (JSON.parse(encodedResult) as unknown);
    // The progress a task reported stays on its row unless the row brings its own.
    this.rows.set(row.taskId, { ...row, result, progress: row.progress ?? stored?.progress });
  }

  async get(taskId: string): Promise<StoredTask | undefined> {
    return this.rows.get(taskId);
  }

  async getFinished(taskIds: readonly string[]): Promise<StoredTask[]> {
    const found: StoredTask[] = [];
    for (const id of taskIds) {
      const row = this.rows.get(id);
      if (row && phaseOf(row.state) === FINAL_PHASE) found.push(row);
    }
    return found;
  }

  async expire(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const [id, row] of this.rows) {
      if (row.finishedAt !== undefined && row.finishedAt < now - this.retentionMs) {
        this.rows.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async check(): Promise<boolean> {
    return true;
  }

  onHealthChange(): void {} // always there

  async close(): Promise<void> {}
}

const stores = new Map<string, MemoryResultStore>();

/** The one embedded store of a namespace in this process, as `memoryBrokerFor` is the one broker. */
export function memoryResultStoreFor(namespace: string, retentionMs: number): MemoryResultStore {
  let store = stores.get(namespace);
  if (!store) stores.set(namespace, (store = new MemoryResultStore(retentionMs)));
  return store;
}
