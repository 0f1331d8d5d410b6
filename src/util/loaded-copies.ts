import path from 'node:path';

/**
 * The install folders of a package that this thread has loaded modules from. More than one
 * means two copies, which for tsyringe or reflect-metadata splits the container's knowledge of
 * classes in two: a class made @injectable by one copy is unknown to the other.
 */
export function loadedCopies(pkg: string, files: readonly string[] = Object.keys(require.cache)): string[] {
  const marker = `${path.sep}node_modules${path.sep}${pkg}${path.sep}`;
  const roots = new Set<string>();
  for (const file of files) {
    const at = file.lastIndexOf(marker);
    if (at >= 0) roots.add(file.slice(0, at + marker.length - 1));
  }
  return [...roots].sort();
}
