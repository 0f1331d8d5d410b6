import { performance } from 'node:perf_hooks';

/** Progress lines of the bench, with seconds since start (ESLint forbids console; this is the one place that writes). */
export function say(line: string): void {
  process.stdout.write(`[bench +${(performance.now() / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
