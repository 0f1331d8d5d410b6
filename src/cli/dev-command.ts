import { loadConfig } from '../config/load-config';
import { loadScript, runEntry } from './run-script';
import { serve } from './serve';

/**
 * `warren dev [script]`: the runtime and an app script in one process, on the embedded broker
 * unless a URL is set. A script's `main` (or default) export is awaited, then the runtime drains
 * and the process exits with the script's outcome; without one, it serves until Ctrl-C.
 */
export async function devCommand(script: string | undefined, args: string[], options: { config?: string; grace?: number }): Promise<void> {
  const config = loadConfig(options.config);
  const served = await serve(config, options);
  if (!script) return;
  const entry = loadScript(script, args);
  if (!entry) {
    served.logger.info({ script }, 'the script exports no main function: serving until Ctrl-C');
    return;
  }
  const code = await runEntry(entry, args);
  served.stopAndExit(code, `${script} finished`);
}
