/**
 * A map that keeps roughly the latest `capacity` entries: two generations, the older one dropped
 * whole when the newer fills up. O(1) per operation with no per-entry bookkeeping, where evicting
 * the oldest key of one big Map one at a time gets slow as deleted slots pile up.
 */
export class RecentMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }

  set(key: K, value: V): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
