import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

interface Teardown {
  teardown(fn: () => unknown): void
}

/** Debian's Chromium (`apt-get install chromium`), or the one CHROMIUM_PATH names; playwright's own download cannot run here. */
export const chromiumPath: string | undefined = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  .find((path): path is string => path !== undefined && path !== '' && existsSync(path))

/**
 * Why browser tests cannot run here, or false when they can: pass it as a test's `skip` option, so
 * a machine without Chromium reports those tests skipped with the reason instead of passing them.
 */
export const noChromium: string | false = chromiumPath === undefined
  ? 'no Chromium found (install Debian\'s chromium package or set CHROMIUM_PATH)'
  : false

/**
 * Headless Chromium with a fresh profile, closed on teardown. The flags keep it from reaching out
 * to Google's services: on a closed network those connections fail, and a page must not need them.
 */
export async function launchBrowser (t: Teardown): Promise<Browser> {
  if (chromiumPath === undefined) throw new Error(noChromium as string)
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
  t.teardown(() => browser.close())
  return browser
}
