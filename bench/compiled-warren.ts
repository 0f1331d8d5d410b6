import path from 'node:path';

/** Where `npm run build` puts compiled Warren; bench/build-warren.ts builds it before any server starts. */
export const DIST = path.resolve(__dirname, '..', 'dist');

/**
 * Compiled Warren, as `require('warren')` gives it to a project that installed the package: the
 * bench's Warren server child, bench.config.ts, bench/jobs and the Warren caller take Warren from
 * here, so none of Warren's own sources is compiled at run time and its RSS is what a user's
 * `warren start` carries. Not `import 'warren'` (which resolves to dist/ at run time too): the
 * package's types are dist/*.d.ts, so a clean checkout could not be type-checked before a build;
 * these are typed from src/. Required on first use, not at import, so that the bench process can
 * load before it has built dist/.
 */
export function compiledWarren(): typeof import('../src') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(DIST) as typeof import('../src');
}

/** Compiled Warren's topology builder (internal, not in the package's API): the server child names what it declared, for clean-up. */
export function compiledTopology(): typeof import('../src/topology/topology') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(DIST, 'topology', 'topology')) as typeof import('../src/topology/topology');
}
