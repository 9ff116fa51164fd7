import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless, with nothing that would reach the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Opens a local HTML file in a new page with every non-local request blocked (and recorded), collecting page errors. */
export async function openOffline(browser: Browser, file: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const remote: string[] = [];
  const errors: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    remote.push(url);
    return route.abort();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // A report carries plotly.js (4.6 MB) inline: on a busy machine its 'load' event can take well over 30 s.
  // The tests wait for the charts themselves, so the DOM is enough here.
  await page.goto(`file://${file}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  return { page, remote, errors };
}
