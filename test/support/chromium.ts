/**
 * Debian's Chromium for browser tests, driven by playwright-core (which downloads no browser of
 * its own: this machine reaches no network but the package registries).
 *
 * `ensureChromiumInstalled()` is test/run.ts's step: installs the `chromium` package when it is
 * missing and we are root. `launchChromium()` is the tests': it fails, saying what to install,
 * when the browser is missing: a browser test never passes by skipping.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runLogged } from './run-logged';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_ARGS = ['install', '-y', '--no-install-recommends', 'chromium'];
export const CHROMIUM_INSTALL_COMMAND = `apt-get update && apt-get install -y --no-install-recommends chromium`;

/** Quiet, offline, no sandbox (we run as root in a container), no GPU. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumInstalled(): boolean {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs Debian's `chromium` when it is missing and we are root; otherwise says what is missing
 * and leaves it to the browser tests to fail with the same advice. Never throws: the other tests
 * need no browser.
 */
export async function ensureChromiumInstalled(log: (line: string) => void): Promise<'present' | 'installed' | 'missing'> {
  if (chromiumInstalled()) return 'present';
  if (process.getuid?.() !== 0) {
    log(`chromium is missing and we are not root: browser tests will fail. Install it: sudo sh -c '${CHROMIUM_INSTALL_COMMAND}'`);
    return 'missing';
  }
  log('chromium not found: installing Debian\'s chromium with apt-get (a minute or two)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await runLogged('apt-get', ['update'], env, log);
    await runLogged('apt-get', INSTALL_ARGS, env, log);
  } catch (error) {
    log(`installing chromium failed: ${(error as Error).message}`);
    return 'missing';
  }
  log(chromiumInstalled() ? 'chromium installed' : `apt-get finished but ${CHROMIUM_PATH} is still missing`);
  return chromiumInstalled() ? 'installed' : 'missing';
}

export interface Chromium {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** A headless Chromium with a new, empty profile and one page. */
export async function launchChromium(): Promise<Chromium> {
  if (!chromiumInstalled()) {
    throw new Error(`Chromium is not installed (${CHROMIUM_PATH}): the browser tests need Debian's chromium package. Install it as root: ${CHROMIUM_INSTALL_COMMAND} (npm test does this by itself when it runs as root)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1360, height: 1000 } });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

