/**
 * Several brokers in one URL string, `amqp://a:5672,amqp://b:5672`: the nodes of one cluster,
 * tried in turn on connect and on reconnect. A password with a comma in it is percent-encoded
 * (`%2C`) in a URL, so splitting on commas never cuts one.
 */
export function brokerAddresses(url: string): string[] {
  return url
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
}

export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
}

/** Between two addresses of one round: no backoff, only enough not to spin. */
export const NEXT_ADDRESS_DELAY_MS = 50;

/**
 * Pure: how long to wait before reconnect attempt `attempt` (1, 2, ...) over `addresses`
 * addresses. Each round tries every address at once, one after the other; the backoff grows per
 * round, with jitter, so a cluster with one node down reconnects to the next node in
 * milliseconds, and one that is wholly down is not hammered.
 */
export function reconnectDelayMs(attempt: number, addresses: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  if (addresses > 1 && attempt % addresses !== 0) return NEXT_ADDRESS_DELAY_MS;
  const round = Math.ceil(attempt / Math.max(1, addresses));
  // The base is capped below maxDelay so that base plus jitter never passes it.
  const base = Math.min(backoff.maxDelayMs / (1 + backoff.jitter), backoff.initialDelayMs * backoff.factor ** (round - 1));
  const spread = base * backoff.jitter;
  return Math.max(0, Math.round(base + (spread > 0 ? random() * spread * 2 - spread : 0)));
}

/** The address tried now, and the next one when a try fails or a connection is lost. */
export class AddressRotation<T> {
  private index = 0;

  constructor(private readonly addresses: readonly T[]) {
    if (addresses.length === 0) throw new Error('AddressRotation needs at least one address');
  }

  get current(): T {
    return this.addresses[this.index] as T;
  }

  get size(): number {
    return this.addresses.length;
  }

  advance(): T {
    this.index = (this.index + 1) % this.addresses.length;
    return this.current;
  }
}
