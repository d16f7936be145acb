// End-to-end check of the page served by the operator's stack on kind: add a message and delete it
// through the real page in Debian's headless Chromium (playwright-core from frontend/test, no download).
// Env: PAGE_URL (default http://127.0.0.1:8080/), ROOT (repo root), ARTIFACTS.
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const ROOT = process.env.ROOT;
const PAGE_URL = process.env.PAGE_URL || 'http://127.0.0.1:8080/';
const ARTIFACTS = process.env.ARTIFACTS || '/tmp/messagestack-e2e';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const pw = `${ROOT}/frontend/test/node_modules/playwright-core/index.mjs`;
assert.ok(existsSync(pw), `${pw} missing: run make api-deps`);
assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: run make api-deps`);
const { chromium } = await import(pathToFileURL(pw));
mkdirSync(ARTIFACTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(PAGE_URL);
  const subject = `e2e ${Date.now()}`;
  await page.fill('#subject', subject);
  await page.fill('#body', 'added through the page on kind');
  await page.click('#add');
  const row = page.locator('#messages li', { hasText: subject });
  await row.waitFor({ timeout: 15000 });
  const pk = await row.getAttribute('data-pk');
  assert.ok(pk, 'the new row carries the pk the server returned');
  const stored = await (await fetch(new URL('/api/messages/', PAGE_URL))).json();
  assert.ok(stored.some((m) => m.subject === subject), 'the message is stored');
  console.log(`e2e-page: added message pk=${pk}`);
  await page.screenshot({ path: `${ARTIFACTS}/page-on-kind.png`, fullPage: true });
  await row.locator('button.delete').click();
  await row.waitFor({ state: 'detached', timeout: 15000 });
  const after = await (await fetch(new URL('/api/messages/', PAGE_URL))).json();
  assert.ok(!after.some((m) => String(m.pk) === String(pk)), 'the message is deleted');
  console.log(`e2e-page: deleted message pk=${pk}; served by ${(await page.locator('#served-by').textContent()).trim()}`);
} finally {
  await browser.close();
}
