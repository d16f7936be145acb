// The Messages page: list, add, delete against /api/messages/ (same origin, via nginx).
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

async function load() {
  try {
    render(await call('GET', API));
    clearError();
  } catch (e) {
    showError('Could not load messages. ' + e.message);
  }
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
    await load();
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
  $('auto-refresh').addEventListener('change', autoRefresh);
  autoRefresh();
  load();
});
