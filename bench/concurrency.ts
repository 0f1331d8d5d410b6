/**
 * Runs `total` operations with at most `window` in flight: `window` lanes, each starting the next
 * operation when its previous one resolved. Used for pipelined publishing (a window of unconfirmed
 * messages) and for RPC with N calls in flight.
 */
export async function windowed(total: number, window: number, operation: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      await operation(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, total)) }, lane));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
