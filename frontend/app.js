// The Messages page: list (a page at a time, newest first), add, delete against /api/messages/
// (same origin, via nginx).
// Vanilla JS, no build step. Fixes the original page's bug: it deletes by the pk the server
// returned, never by a local copy without one. Every failure is shown, never swallowed.
'use strict';

const API = '/api/messages/';
const $ = (id) => document.getElementById(id);
const servedHistory = [];
let pendingAdd = null; // {subject, body, key}: resending the same content reuses its Idempotency-Key

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
}

function showServedBy(response) {
  const who = response.headers.get('X-Served-By');
  if (!who) return;
  $('served-by').textContent = who;
  servedHistory.push(who);
  if (servedHistory.length > 10) servedHistory.shift();
  const counts = {};
  for (const name of servedHistory) counts[name] = (counts[name] || 0) + 1;
  $('served-history').textContent = 'last ' + servedHistory.length + ' answers: ' +
    Object.entries(counts).map(([name, n]) => name + ' \u00d7' + n).join(', ');
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

// fetch + X-Served-By + an Error that says what went wrong (problem+json detail and fields).
async function call(method, url, body, headers) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: Object.assign({ Accept: 'application/json' }, body ? { 'Content-Type': 'application/json' } : {}, headers || {}),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new Error('Cannot reach the API (' + e.message + ')');
  }
  showServedBy(response);
  if (response.ok) {
    return response.status === 204 ? null : response.json();
  }
  let detail = response.status + ' ' + response.statusText;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      const problem = await response.json();
      detail = response.status + ' ' + (problem.title || response.statusText) + (problem.detail ? ': ' + problem.detail : '');
      if (Array.isArray(problem.errors) && problem.errors.length) {
        detail += ' (' + problem.errors.map((f) => f.field + ' ' + f.message).join('; ') + ')';
      }
    } catch (ignored) { /* keep the status line */ }
  }
  throw new Error('The API answered ' + detail);
}

function render(messages) {
  const list = $('messages');
  list.replaceChildren();
  $('empty').hidden = messages.length > 0;
  for (const m of messages) {
    const item = document.createElement('li');
    item.dataset.pk = m.pk;
    const text = document.createElement('div');
    const subject = document.createElement('strong');
    subject.className = 'subject';
    subject.textContent = m.subject;
    const body = document.createElement('p');
    body.className = 'body';
    body.textContent = m.body;
    text.append(subject, body);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete';
    remove.textContent = 'Delete';
    remove.addEventListener('click', () => removeMessage(m.pk, remove));
    item.append(text, remove);
    list.append(item);
  }
}

// One page at a time, newest first, by keyset: the page asks for PAGE_SIZE + 1 messages with a
// pk below the cursor (the extra one only says whether an older page exists), and the count
// (exact for a small table, an estimate for a large one). A refresh costs the same whatever the
// table size; the whole list (GET /api/messages/) is never fetched.
const PAGE_SIZE = 20;
let cursor = null; // null: the newest page; else the pks shown are below this one (before_id)
let newerCursors = []; // the cursors of the pages above this one, for Newer
let loading = null;

function showCount(count) {
  const n = count.count.toLocaleString('en-US');
  const noun = count.count === 1 ? ' message' : ' messages';
  $('count').textContent = (count.exact ? '' : 'about ') + n + noun;
}

function showPager(shown, hasOlder) {
  const page = newerCursors.length + 1;
  $('page-info').textContent = shown.length
    ? '\u00b7 page ' + page + ', newest first (pk ' + shown[0].pk + ' to ' + shown[shown.length - 1].pk + ')'
    : '';
  $('newest').disabled = cursor === null;
  $('newer').disabled = cursor === null;
  $('older').disabled = !hasOlder;
  $('older').dataset.cursor = shown.length ? shown[shown.length - 1].pk : '';
}

async function fetchPage() {
  const params = new URLSearchParams({ ordering: '-pk', limit: String(PAGE_SIZE + 1) });
  if (cursor !== null) params.set('before_id', String(cursor));
  const [rows, count] = await Promise.all([call('GET', API + '?' + params), call('GET', API + 'count')]);
  if (rows.length === 0 && cursor !== null) {
    // Everything on this page was deleted meanwhile: back to the page above.
    cursor = newerCursors.length ? newerCursors.pop() : null;
    return fetchPage();
  }
  const shown = rows.slice(0, PAGE_SIZE);
  render(shown);
  showCount(count);
  showPager(shown, rows.length > PAGE_SIZE);
}

async function load() {
  // One load at a time; a load asked for meanwhile (a click during a refresh) runs after it.
  if (loading) {
    await loading.catch(() => {});
  }
  loading = fetchPage();
  try {
    await loading;
    clearError();
  } catch (e) {
    showError('Could not load messages. ' + e.message);
  } finally {
    loading = null;
  }
}

function goNewest() {
  cursor = null;
  newerCursors = [];
  return load();
}

function goOlder() {
  const next = $('older').dataset.cursor;
  if (!next) return load();
  newerCursors.push(cursor);
  cursor = Number(next);
  return load();
}

function goNewer() {
  cursor = newerCursors.length ? newerCursors.pop() : null;
  return load();
}

async function addMessage(event) {
  event.preventDefault();
  const subject = $('subject').value.trim();
  const body = $('body').value.trim();
  if (!subject || !body) return;
  if (!pendingAdd || pendingAdd.subject !== subject || pendingAdd.body !== body) {
    pendingAdd = { subject, body, key: newKey() };
  }
  $('add').disabled = true;
  try {
    await call('POST', API, { subject, body }, { 'Idempotency-Key': pendingAdd.key });
    pendingAdd = null;
    $('subject').value = '';
    $('body').value = '';
    await goNewest(); // the new message is on the newest page
  } catch (e) {
    showError('Could not add the message. ' + e.message);
  } finally {
    updateAddButton();
  }
}

async function removeMessage(pk, button) {
  button.disabled = true;
  try {
    await call('DELETE', API + encodeURIComponent(pk) + '/');
    await load();
  } catch (e) {
    button.disabled = false;
    showError('Could not delete the message. ' + e.message);
  }
}

function updateAddButton() {
  $('add').disabled = !($('subject').value.trim() && $('body').value.trim());
}

let timer = null;
function autoRefresh() {
  clearInterval(timer);
  timer = $('auto-refresh').checked ? setInterval(load, 5000) : null;
}

document.addEventListener('DOMContentLoaded', () => {
  $('subject').addEventListener('input', updateAddButton);
  $('body').addEventListener('input', updateAddButton);
  $('add-form').addEventListener('submit', addMessage);
  $('refresh').addEventListener('click', load);
  $('older').addEventListener('click', goOlder);
  $('newer').addEventListener('click', goNewer);
  $('newest').addEventListener('click', goNewest);
  $('auto-refresh').addEventListener('change', autoRefresh);
  autoRefresh();
  load();
});
