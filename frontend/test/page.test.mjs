// The Messages page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), served by real nginx in front of the real message-api and MariaDB, as
// started by hack/api/frontend-test.sh. Env: PAGE_URL, API_PID (the API process, killed to
// show the error path), ARTIFACTS (screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const PAGE_URL = process.env.PAGE_URL;
const API_PID = Number(process.env.API_PID);
const ARTIFACTS = process.env.ARTIFACTS || 'test-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let browser;
let page;

before(async () => {
  assert.ok(PAGE_URL, 'PAGE_URL not set: run this test through hack/api/frontend-test.sh (make test-frontend)');
  assert.ok(API_PID > 0, 'API_PID not set: run this test through hack/api/frontend-test.sh (make test-frontend)');
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: run make api-deps (apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // Nothing outside this machine answers: background networking off, or Chromium keeps trying.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  page.on('pageerror', (e) => console.log('page error:', e.message));
  // Start from an empty list, through the same nginx the page uses.
  const list = await (await fetch(new URL('/api/messages/', PAGE_URL))).json();
  for (const m of list) {
    await fetch(new URL(`/api/messages/${m.pk}/`, PAGE_URL), { method: 'DELETE' });
  }
});

after(async () => {
  await browser?.close();
});

async function apiList() {
  const response = await fetch(new URL('/api/messages/', PAGE_URL));
  assert.equal(response.status, 200);
  return response.json();
}

test('empty list says No Messages', async () => {
  await page.goto(PAGE_URL);
  await page.locator('#empty').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#empty').textContent(), 'No Messages');
  assert.equal(await page.locator('#messages li').count(), 0);
});

test('Add stays disabled until Subject and Message are both filled', async () => {
  const add = page.locator('#add');
  assert.equal(await add.isDisabled(), true);
  await page.fill('#subject', 'Only a subject');
  assert.equal(await add.isDisabled(), true);
  await page.fill('#body', '   ');
  assert.equal(await add.isDisabled(), true, 'blank message must not enable Add');
  await page.fill('#body', 'and a body');
  assert.equal(await add.isDisabled(), false);
  await page.fill('#subject', '');
  assert.equal(await add.isDisabled(), true);
});

test('add two messages: they are listed in order and stored', async () => {
  for (const [subject, body] of [['First message', 'Hello from Playwright'], ['Second message', 'Galera keeps this one']]) {
    await page.fill('#subject', subject);
    await page.fill('#body', body);
    await page.click('#add');
    await page.locator('#messages li .subject', { hasText: subject }).waitFor();
  }
  assert.deepEqual(await page.locator('#messages li .subject').allTextContents(), ['First message', 'Second message']);
  assert.equal(await page.locator('#empty').isHidden(), true);
  assert.equal(await page.inputValue('#subject'), '', 'form is cleared after Add');
  const stored = await apiList();
  assert.deepEqual(stored.map((m) => m.subject), ['First message', 'Second message']);
});

test('the page shows which instance answered', async () => {
  const servedBy = (await page.locator('#served-by').textContent()).trim();
  assert.equal(servedBy, process.env.EXPECTED_SERVED_BY || servedBy);
  assert.notEqual(servedBy, '–');
  assert.ok(servedBy.length > 0);
});

test('delete removes exactly that message, by the pk the server returned', async () => {
  await page.fill('#subject', 'Third message');
  await page.fill('#body', 'to be deleted');
  await page.click('#add');
  const row = page.locator('#messages li', { hasText: 'Third message' });
  await row.waitFor();
  const storedBefore = await apiList();
  const third = storedBefore.find((m) => m.subject === 'Third message');
  assert.equal(await row.getAttribute('data-pk'), String(third.pk));

  const deleted = page.waitForRequest((r) => r.method() === 'DELETE');
  await row.locator('button.delete').click();
  assert.match((await deleted).url(), new RegExp(`/api/messages/${third.pk}/$`));
  await row.waitFor({ state: 'detached' });
  const storedAfter = await apiList();
  assert.deepEqual(storedAfter.map((m) => m.subject), ['First message', 'Second message']);
  await page.screenshot({ path: `${ARTIFACTS}/messages-page.png`, fullPage: true });
});

test('a rejected message shows the API error to the user', async () => {
  await page.evaluate(() => { document.getElementById('subject').removeAttribute('maxlength'); });
  await page.fill('#subject', 'x'.repeat(201));
  await page.fill('#body', 'too long a subject');
  await page.click('#add');
  const error = page.locator('#error');
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  assert.match(text, /400/);
  assert.match(text, /subject/);
  await page.fill('#subject', '');
  await page.fill('#body', '');
});

test('when the API is down the page says so instead of failing silently', async () => {
  process.kill(API_PID, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await page.click('#refresh');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('Could not load'));
  const text = await page.locator('#error').textContent();
  assert.match(text, /Could not load messages/);
  assert.match(text, /50[234]/, `expected the proxy's 502/503/504 in: ${text}`);

  await page.fill('#subject', 'While down');
  await page.fill('#body', 'this cannot be stored');
  await page.click('#add');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('Could not add'));
  // The list that was loaded stays visible.
  assert.equal(await page.locator('#messages li').count(), 2);
  await page.screenshot({ path: `${ARTIFACTS}/api-down.png`, fullPage: true });
});
