/** Which dead letters a page shows, as positions in the queue (0 is the oldest, the head). */
export interface PageWindow {
  /** The first position to keep (the oldest of the page). */
  readonly from: number;
  /** One past the newest position of the page: reading can stop here. */
  readonly to: number;
}

/**
 * The window of a newest-first page over a queue of `total` messages read from the head: `offset`
 * skips that many of the newest. A queue can only be read from its oldest end, so the page is
 * chosen by position and only its `limit` messages are kept while the rest stream past.
 */
export function newestFirstWindow(total: number, offset: number, limit: number): PageWindow {
  const to = Math.max(0, total - Math.max(0, offset));
  return { from: Math.max(0, to - Math.max(0, limit)), to };
}
