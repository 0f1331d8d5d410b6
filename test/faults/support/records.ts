import fs from 'node:fs';
import { parseRecordLine, type RecordLine } from '../jobs/record';

/**
 * The suite's side of a scenario's record file: the fault jobs append one line per event
 * (jobs/record.ts); this reads what was added since the last look, and keeps counts.
 */
export class RecordFile {
  private offset = 0;
  private partial = '';
  private readonly all: RecordLine[] = [];
  /** Completed runs per task id. */
  readonly doneCounts = new Map<string, number>();

  constructor(readonly path: string) {
    fs.writeFileSync(path, '');
  }

  /** Reads new lines; returns them. */
  refresh(): RecordLine[] {
    const size = fs.statSync(this.path).size;
    if (size <= this.offset) return [];
    const buffer = Buffer.alloc(size - this.offset);
    const fd = fs.openSync(this.path, 'r');
    try {
      fs.readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      fs.closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buffer.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const added: RecordLine[] = [];
    for (const line of lines) {
      const parsed = parseRecordLine(line);
      if (!parsed) continue;
      added.push(parsed);
      this.all.push(parsed);
      if (parsed.kind === 'done') this.doneCounts.set(parsed.taskId, (this.doneCounts.get(parsed.taskId) ?? 0) + 1);
    }
    return added;
  }

  get lines(): readonly RecordLine[] {
    this.refresh();
    return this.all;
  }

  /** How many of `ids` completed at least once. */
  doneAmong(ids: ReadonlySet<string>): number {
    this.refresh();
    let count = 0;
    for (const id of this.doneCounts.keys()) if (ids.has(id)) count++;
    return count;
  }

  /** Lines of one task id, oldest first. */
  linesOf(taskId: string): RecordLine[] {
    return this.lines.filter((line) => line.taskId === taskId);
  }
}
