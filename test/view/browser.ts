/**
 * A real headless Chromium for the viewer tests: Debian's `chromium` driven by puppeteer-core
 * (which downloads nothing). .ci/run installs the package when it is missing; without a browser
 * the tests fail (they never skip).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where the browser may be: $CHROMIUM_PATH, then Debian's and other distributions' paths. */
const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Returns the browser executable; throws (the test fails) when there is none. */
export function chromiumPath(): string {
  const p = CANDIDATES.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
  if (p === undefined) throw new Error(`no Chromium found (looked at ${CANDIDATES.filter(Boolean).join(', ')}): install Debian's package (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  return p;
}

/** Starts headless Chromium (no sandbox: the tests run as root in CI). */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page opened from file://, with what it logged as errors and every request it tried beyond file: and data:. */
export interface OpenedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly network: string[];
}

/** Opens `file` (a path) in a new tab of `browser`; requests other than file: and data: are recorded and aborted. */
export async function openFile(browser: Browser, file: string, hash = ''): Promise<OpenedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const network: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const u = r.url();
    if (u.startsWith('file:') || u.startsWith('data:')) void r.continue();
    else {
      network.push(u);
      void r.abort();
    }
  });
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(pathToFileURL(file).href + hash, { waitUntil: 'load' });
  return { page, errors, network };
}
