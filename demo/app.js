// Acme Portfolio — a partner app on Kryptos Connect, in plain JavaScript.
//
// 1. The user signs in to *our* app (demo sign-in: a username).
// 2. <kryptos-connect link-token-url="/api/kryptos/link-token"> asks our backend for a link
//    token on click; the backend knows whether this user already shared (isAuthorized).
// 3. On `connect-success` the widget hands us a single-use public token (or null when the
//    user only added accounts to an existing connection); our backend exchanges it.
// 4. We read the portfolio through our backend, which holds the access token. The browser
//    never sees the access token or the client secret.
import * as api from './api.js';
import { $, el, show } from './dom.js';
import { renderIntegrations, renderPortfolio } from './portfolio.js';
import { isSyncing, scopeList, when } from './format.js';

const widget = $('kryptos-connect');

async function start() {
  const config = (await api.demoConfig()).body;
  if (!config?.widgetBuilt) show($('#widget-missing'), true);
  // Direct mode: the widget talks to the connect server itself (CORS, registered origins);
  // the link token still comes from our backend.
  if (document.body.dataset.mode === 'iframe' && config?.connectUrl) widget.setAttribute('api-base', config.connectUrl);
  if (document.body.dataset.mode === 'direct' && config?.connectUrl) {
    widget.setAttribute('api-base', config.connectUrl);
    $('#mode-note').textContent = `Direct mode: the widget calls ${config.connectUrl}/widget/* itself.`;
  }
  $('#signin-form').addEventListener('submit', onSignIn);
  $('#signout').addEventListener('click', onSignOut);
  const confirmation = confirmDialog();
  $('#disconnect').addEventListener('click', () => confirmation.showModal());
  confirmation.addEventListener('close', onConfirmDisconnect);
  widget.addEventListener('connect-success', onConnectSuccess);
  widget.addEventListener('connect-error', onConnectError);
  await refresh();
}

async function refresh() {
  const username = (await api.whoAmI()).body?.username ?? null;
  show($('#signin'), !username);
  show($('#account'), Boolean(username));
  show($('#signout'), Boolean(username));
  $('#who').textContent = username ? `Signed in as ${username}` : '';
  if (username) await refreshConnection();
}

/** Whether this user has a connection now (set by refreshConnection). */
let connected = false;

async function refreshConnection() {
  const { status, body } = await api.getConnection();
  connected = status === 200 && body.connected;
  $('#connection-status').replaceChildren(
    connected
      ? el('span', {}, el('span', { class: 'badge ok' }, 'Connected'), ` since ${when(body.connected_at)}. Acme Portfolio can see ${scopeList(body.scopes)}.`)
      : status === 200
        ? el('span', {}, el('span', { class: 'badge' }, 'Not connected'), ' Share your crypto portfolio with Acme Portfolio through Kryptos.')
        : el('span', { class: 'notice' }, body?.error ?? `Could not load the connection (${status}).`),
  );
  // The same button adds more accounts: our backend answers isAuthorized and the widget skips sign-in and consent.
  widget.textContent = connected ? 'Add more accounts' : 'Connect with Kryptos';
  show($('#disconnect'), connected);
  show($('#portfolio'), connected);
  if (connected) await renderPortfolio($('#portfolio'));
  watchWebhooks(connected);
}

// Our backend receives signed webhooks from Kryptos; when one arrives for this user (a sync
// completed, cost basis recomputed, an account failed or was removed) the portfolio is redrawn.
let webhookTimer;
let lastWebhook;
async function watchWebhooks(connected) {
  clearTimeout(webhookTimer);
  if (!connected) return;
  const { status, body } = await api.latestWebhook().catch(() => ({ status: 0 }));
  if (status !== 200 || !body?.enabled) return;
  const id = body.latest?.id ?? null;
  if (lastWebhook !== undefined && id !== lastWebhook) {
    lastWebhook = id;
    message(
      body.latest.event === 'integration.updated' && body.latest.status === 'COMPLETED'
        ? 'Sync completed: portfolio refreshed.'
        : `Update from Kryptos (${body.latest.event}): portfolio refreshed.`,
    );
    await renderPortfolio($('#portfolio'));
  }
  lastWebhook = id;
  webhookTimer = setTimeout(() => watchWebhooks(true), 5000);
}

async function onSignIn(event) {
  event.preventDefault();
  const username = new FormData(event.target).get('username');
  const { status, body } = await api.signIn(String(username ?? '').trim());
  $('#signin-error').textContent = status === 200 ? '' : (body?.error ?? 'Could not sign in');
  await refresh();
}

async function onSignOut() {
  await api.signOut();
  await refresh();
}

/** The shared accounts as the data API lists them now (empty when it cannot be read). */
async function sharedAccounts() {
  const { status, body } = await api.getData('integrations').catch(() => ({ status: 0 }));
  if (status !== 200) return null;
  return body?.data ?? body?.integrations ?? [];
}

/** Says what is true now: syncing only while an account syncs, then that the sync finished. */
let syncTimer;
function reportSync(accounts, prefix) {
  clearTimeout(syncTimer);
  if (!accounts) return message(prefix);
  const syncing = accounts.filter((i) => isSyncing(i.status)).length;
  const failed = accounts.filter((i) => i.status === 'FAILED').length;
  if (syncing) {
    message(`${prefix} Your accounts are syncing.`);
    // Bounded: at most 5 minutes of checks, every 3 seconds.
    let checks = 100;
    const check = async () => {
      const now = await sharedAccounts();
      const panel = $('#panel-integrations');
      if (now && panel) panel.replaceChildren(el('h3', {}, 'Connected accounts'), renderIntegrations({ data: now }));
      if (now && !now.some((i) => isSyncing(i.status))) return reportSync(now, prefix);
      if (--checks > 0) syncTimer = setTimeout(check, 3000);
    };
    syncTimer = setTimeout(check, 3000);
  } else {
    message(`${prefix} ${failed ? `${failed} account${failed > 1 ? 's' : ''} could not be synced.` : 'All accounts are synced.'}`);
  }
}

async function onConnectSuccess(event) {
  // detail is {public_token} for a new connection, or null when accounts were added to an existing one.
  const before = accountsBefore;
  if (event.detail?.public_token) {
    const { status, body } = await api.exchange(event.detail.public_token);
    await refreshConnection();
    if (status !== 200) return message(`Could not finish connecting: ${body?.error ?? status}`);
    reportSync(await sharedAccounts(), 'Connected.');
  } else {
    await refreshConnection();
    const accounts = await sharedAccounts();
    const added = accounts && before !== null ? accounts.length - before : null;
    if (added === 0) return message('No new accounts were added.');
    reportSync(accounts, added ? `${added} account${added > 1 ? 's' : ''} added.` : 'Accounts added.');
  }
}

/** How many accounts were shared when the widget opened (to say truthfully what a resumed flow added). */
let accountsBefore = null;

widget.addEventListener('connect-event', async (event) => {
  // Only a connected user has shared accounts to count (asking otherwise would be a needless 401).
  if (event.detail?.type === 'open') accountsBefore = connected ? ((await sharedAccounts())?.length ?? null) : null;
});

function onConnectError(event) {
  const error = event.detail;
  if (error?.name === 'AbortError') return message('Closed without connecting.');
  message(`Kryptos Connect: ${error?.message ?? 'something went wrong'}`);
}

/** "Disconnect Kryptos?": Cancel (focused first) or Disconnect. */
function confirmDialog() {
  const dialog = el(
    'dialog',
    { id: 'confirm-disconnect', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    el(
      'form',
      { method: 'dialog' },
      el('h2', { id: 'confirm-title' }, 'Disconnect Kryptos?'),
      el(
        'p',
        { id: 'confirm-text' },
        'Acme Portfolio will no longer be able to read your Kryptos data. Your accounts stay in Kryptos, and you can connect again at any time.',
      ),
      el(
        'div',
        { class: 'actions' },
        el('button', { value: 'cancel', class: 'quiet', autofocus: true }, 'Cancel'),
        el('button', { value: 'confirm', class: 'danger' }, 'Disconnect'),
      ),
    ),
  );
  document.body.append(dialog);
  return dialog;
}

/** The confirmation dialog closed: disconnect only when the user chose "Disconnect". */
async function onConfirmDisconnect() {
  if ($('#confirm-disconnect').returnValue !== 'confirm') return;
  clearTimeout(syncTimer);
  const { status, body } = await api.disconnect();
  message(status === 200 ? 'Disconnected: Acme Portfolio can no longer read your Kryptos data.' : `Could not disconnect: ${body?.error ?? status}`);
  await refreshConnection();
}

function message(text) {
  $('#message').textContent = text;
}

start().catch((error) => message(`The demo failed to start: ${error.message}`));
