/** What the schedules' holder knows of one schedule. */
export interface ScheduleRecord {
  /** Every tick up to this time (epoch ms) was handled: fired, or skipped by the catch-up policy. */
  readonly through: number;
  /** The latest tick fired (epoch ms). */
  readonly lastFired?: number;
  readonly paused?: boolean;
  /** When `paused` was last set (epoch ms): of two records, the later setting wins. */
  readonly pausedChangedAt?: number;
}

/**
 * The lease token: the one message in `<ns>.schedules` that the runtime holding the schedules
 * keeps unacknowledged, replaced (in one transaction with the tasks it fires) at every change.
 */
export interface ScheduleState {
  readonly version: 1;
  /** When this token was written (epoch ms): a holder that died longer ago than a failover left an outage. */
  readonly writtenAt: number;
  readonly holder: string;
  readonly schedules: Readonly<Record<string, ScheduleRecord>>;
}

/** A first token: written at 0, so whoever reads it knows no holder was alive before. */
export function emptyState(holder: string): ScheduleState {
  return { version: 1, writtenAt: 0, holder, schedules: {} };
}

export function encodeState(state: ScheduleState): Buffer {
  return Buffer.from(JSON.stringify(state));
}

/** A token another version, a person or a bug wrote is read as far as it makes sense; the rest is dropped. */
export function decodeState(body: Buffer): ScheduleState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { writtenAt, holder, schedules } = parsed as Partial<ScheduleState>;
  const records: Record<string, ScheduleRecord> = {};
  if (typeof schedules === 'object' && schedules !== null) {
    for (const [name, record] of Object.entries(schedules)) {
      if (typeof record?.through === 'number' && Number.isFinite(record.through)) records[name] = record;
    }
  }
  return { version: 1, writtenAt: typeof writtenAt === 'number' ? writtenAt : 0, holder: typeof holder === 'string' ? holder : '', schedules: records };
}

/**
 * Pure: two tokens as one (a failover or a second runtime's seed can leave several). The later
 * progress wins per schedule, so a tick either of them fired never fires again; the later pause
 * setting wins.
 */
export function mergeStates(a: ScheduleState, b: ScheduleState): ScheduleState {
  const schedules: Record<string, ScheduleRecord> = { ...a.schedules };
  for (const [name, theirs] of Object.entries(b.schedules)) {
    const ours = schedules[name];
    if (!ours) {
      schedules[name] = theirs;
      continue;
    }
    const pause = (theirs.pausedChangedAt ?? 0) > (ours.pausedChangedAt ?? 0) ? theirs : ours;
    schedules[name] = {
      through: Math.max(ours.through, theirs.through),
      ...(Math.max(ours.lastFired ?? 0, theirs.lastFired ?? 0) > 0 ? { lastFired: Math.max(ours.lastFired ?? 0, theirs.lastFired ?? 0) } : {}),
      ...(pause.paused !== undefined ? { paused: pause.paused, pausedChangedAt: pause.pausedChangedAt ?? 0 } : {}),
    };
  }
  const later = a.writtenAt >= b.writtenAt ? a : b;
  return { version: 1, writtenAt: later.writtenAt, holder: later.holder, schedules };
}
