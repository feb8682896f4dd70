// "Sign in with Kryptos (OAuth)": the backend runs the whole OpenID Connect flow
// (bff/oauth-login.routes.ts); this page only links to it and shows what the data API returns.
import * as api from './api.js';
import { $, show } from './dom.js';
import { renderIntegrations } from './portfolio.js';

const MESSAGES = {
  access_denied: 'You cancelled on the Kryptos page; nothing was shared.',
  expired: 'The sign-in took too long or was already used; try again.',
  busy: 'Too many sign-ins in progress; try again in a minute.',
  failed: 'The sign-in could not be completed; try again.',
};

async function start() {
  const error = new URLSearchParams(location.search).get('error');
  if (error) {
    history.replaceState(null, '', location.pathname);
    $('#oauth-error').textContent = MESSAGES[error] ?? MESSAGES.failed;
    show($('#oauth-error'), true);
  }
  $('#signout').addEventListener('click', async () => {
    await api.signOut();
    location.reload();
  });
  const me = (await api.whoAmI()).body;
  const user = me?.username ?? null;
  const signedIn = typeof user === 'string' && user.startsWith('kryptos:');
  show($('#signin'), !signedIn);
  show($('#account'), signedIn);
  show($('#signout'), Boolean(user));
  $('#who').textContent = user ? `Signed in as ${user}` : '';
  if (!signedIn) return;
  const integrations = await api.getData('integrations');
  const target = $('#accounts');
  target.replaceChildren(integrations.status === 200 ? renderIntegrations(integrations.body) : document.createTextNode('Could not load your accounts.'));
}

void start();
