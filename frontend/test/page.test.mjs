// The Messages page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), served by real nginx in front of the real message-api and MariaDB, as
// started by hack/api/frontend-test.sh. Env: PAGE_URL, API_PID (the API process, killed to
// show the error path), ARTIFACTS (screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const PAGE_URL = process.env.PAGE_URL;
const API_PID = Number(process.env.API_PID);
const ARTIFACTS = process.env.ARTIFACTS || 'test-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The test MariaDB's socket and database, to empty the table and to store many messages at once.
const MARIADB_SOCKET = process.env.MARIADB_SOCKET;
const APP_DB = process.env.APP_DB || 'messages';
const LARGE_TABLE = Number(process.env.PAGE_TEST_ROWS || 30000);

function sql(statements) {
  return execFileSync('mariadb', ['--no-defaults', `--socket=${MARIADB_SOCKET}`, '-uroot', '-N', '-B', APP_DB, '-e', statements],
    { encoding: 'utf8' });
}

let browser;
let page;

before(async () => {
  assert.ok(PAGE_URL, 'PAGE_URL not set: run this test through hack/api/frontend-test.sh (make test-frontend)');
  assert.ok(API_PID > 0, 'API_PID not set: run this test through hack/api/frontend-test.sh (make test-frontend)');
  assert.ok(MARIADB_SOCKET, 'MARIADB_SOCKET not set: run this test through hack/api/frontend-test.sh (make test-frontend)');
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
  // Start from an empty table (a run before may have left the large table behind).
  sql('DELETE FROM message');
});

after(async () => {
  await browser?.close();
  sql('DELETE FROM message');
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
  // The page shows the newest first; the plain API list stays ordered by pk.
  assert.deepEqual(await page.locator('#messages li .subject').allTextContents(), ['Second message', 'First message']);
  assert.equal(await page.locator('#count').textContent(), '2 messages');
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
  await page.locator('#count', { hasText: '2 messages' }).waitFor();
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

async function apiPage(params) {
  const response = await fetch(new URL('/api/messages/?' + new URLSearchParams(params), PAGE_URL));
  assert.equal(response.status, 200);
  return (await response.json()).map((m) => m.pk);
}

async function shownPks() {
  return (await page.locator('#messages li').evaluateAll((items) => items.map((li) => Number(li.dataset.pk))));
}

async function waitForFirstPk(pk) {
  await page.waitForFunction((want) => document.querySelector('#messages li')?.dataset.pk === String(want), pk);
}

test(`with ${LARGE_TABLE} messages the page shows one page at a time, newest first, with the count`, async () => {
  const started = Date.now();
  sql(`INSERT INTO message (subject, body, created_at, idempotency_key)
         SELECT CONCAT('Bulk ', seq), CONCAT('stored directly, number ', seq), NOW(6), CONCAT('page-test-', seq)
         FROM seq_1_to_${LARGE_TABLE}; ANALYZE TABLE message;`);
  console.log(`stored ${LARGE_TABLE} messages with SQL in ${Date.now() - started} ms`);
  const total = Number(sql('SELECT COUNT(*) FROM message').trim());
  assert.equal(total, LARGE_TABLE + 2);

  // Everything the page asks for during a refresh, with the size of each answer.
  const answers = [];
  const record = async (response) => {
    if (!response.url().includes('/api/')) return;
    answers.push({ url: response.url(), bytes: (await response.body()).length });
  };
  page.on('response', record);
  const newest = await apiPage({ ordering: '-pk', limit: 20 });
  await page.click('#refresh');
  await waitForFirstPk(newest[0]);
  assert.deepEqual(await shownPks(), newest, 'the newest 20, newest first');
  await page.locator('#count', { hasText: 'about' }).waitFor();
  const countText = await page.locator('#count').textContent();
  const shownCount = Number(countText.replace(/[^0-9]/g, ''));
  assert.match(countText, /^about [0-9,]+ messages$/);
  assert.ok(shownCount > 10000 && shownCount < total * 3, `estimate ${shownCount} for ${total} rows`);

  // Older, Older, Newer, Newest: each page is the API's keyset page below the last one shown.
  const second = await apiPage({ ordering: '-pk', limit: 20, before_id: newest[19] });
  await page.click('#older');
  await waitForFirstPk(second[0]);
  assert.deepEqual(await shownPks(), second);
  assert.match(await page.locator('#page-info').textContent(), /page 2/);
  const third = await apiPage({ ordering: '-pk', limit: 20, before_id: second[19] });
  await page.click('#older');
  await waitForFirstPk(third[0]);
  assert.deepEqual(await shownPks(), third);
  await page.click('#newer');
  await waitForFirstPk(second[0]);
  assert.deepEqual(await shownPks(), second);
  await page.screenshot({ path: `${ARTIFACTS}/large-table.png`, fullPage: true });
  await page.click('#newest');
  await waitForFirstPk(newest[0]);
  assert.equal(await page.locator('#newer').isDisabled(), true);
  page.off('response', record);

  // A refresh costs the same whatever the table size: small bounded answers, never the whole list.
  assert.ok(answers.length >= 8, `requests seen: ${answers.length}`);
  for (const a of answers) {
    const url = new URL(a.url);
    if (url.pathname === '/api/messages/') {
      assert.equal(url.searchParams.get('limit'), '21', `a list request without a small limit: ${a.url}`);
    } else {
      assert.equal(url.pathname, '/api/messages/count');
    }
    assert.ok(a.bytes < 20000, `${a.url} answered ${a.bytes} bytes`);
  }

  // Old pages and clients that call the plain list still get every message, by pk.
  const plain = await fetch(new URL('/api/messages/', PAGE_URL));
  assert.equal(plain.status, 200);
  const everything = await plain.json();
  assert.equal(everything.length, total);
  assert.ok(everything.every((m, i) => i === 0 || m.pk > everything[i - 1].pk), 'ordered by pk');
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
  // The page that was loaded stays visible.
  assert.equal(await page.locator('#messages li').count(), 20);
  await page.screenshot({ path: `${ARTIFACTS}/api-down.png`, fullPage: true });
});
