/**
 * A value made on first use and kept: for dependencies a process may never need. Importing
 * Warren loads no schema library, database driver or metrics registry until something asks,
 * so a CPU thread or a client pays only for what it uses.
 */
export function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
