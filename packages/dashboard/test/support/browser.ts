import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package; QA_BROKER_CHROMIUM overrides the path. */
export const CHROMIUM_PATH = process.env.QA_BROKER_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium, or a loud failure that says how to get it (never a skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it (apt-get install -y chromium; .ci/run does) or set QA_BROKER_CHROMIUM to its path.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Root (CI, containers) cannot use Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
