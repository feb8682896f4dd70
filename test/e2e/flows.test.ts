/**
 * The demo partner app driven in Chromium against a real connect server and BFF: the guest and
 * email-code paths through to the exchange, the sandbox refusal, a narrowed consent, the resumed
 * session ("Add more accounts") and the disconnect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import {
  OTHER_ETH,
  SANDBOX_ETH,
  SANDBOX_SOL,
  addAddress,
  allowAccess,
  connectAsGuest,
  continueAsGuest,
  continueFromAccounts,
  dialog,
  finishAndWaitConnected,
  latestCode,
  launchBrowser,
  newSession,
  openWidget,
  partnerCall,
  pickProvider,
  portfolioAccounts,
  recorded,
  signIn,
  startStack,
  storedAccessToken,
  accountRows,
  addAnotherAccount,
  type Session,
  type Stack,
} from './helpers.ts';

describe('demo flows in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /**
   * A signed-in, connected demo user with one account. The resume and disconnect tests continue
   * with the guest path's user (saves two full flows); if that test failed, they connect their own.
   */
  let connected: { session: Session; username: string } | undefined;
  async function connectedUser(fallback: string): Promise<{ session: Session; username: string }> {
    const kept = connected;
    connected = undefined;
    if (kept && (await storedAccessToken(stack, kept.username))) return kept;
    await kept?.session.context.close();
    const session = await newSession(browser);
    await signIn(session.page, stack.origin, fallback);
    await connectAsGuest(session.page);
    await portfolioAccounts(session.page, 1);
    return { session, username: fallback };
  }

  it('guest path: sign in to the demo, connect as guest with the Ethereum test address, consent, exchange', async () => {
    const { page, context, observer } = await newSession(browser);
    await signIn(page, stack.origin, 'alice');
    await page.locator('#connection-status').getByText('Not connected').waitFor();
    await openWidget(page);
    await page.getByRole('heading', { name: 'Link your accounts to Acme Portfolio (demo) using Kryptos' }).waitFor();
    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await page.getByRole('heading', { name: 'Accounts to share' }).waitFor();
    await continueFromAccounts(page);
    await page.getByRole('heading', { name: 'Acme Portfolio (demo) asks for access to your Kryptos data' }).waitFor();
    await page.getByText('Access lasts 15 years unless you revoke it.').waitFor();
    await allowAccess(page);
    await finishAndWaitConnected(page);

    // Said truthfully: "syncing" while an account syncs, then that all are synced.
    await page
      .locator('#message')
      .getByText(/^Connected\. (Your accounts are syncing|All accounts are synced)\.$/)
      .waitFor();
    await portfolioAccounts(page, 1);
    assert.match(await page.locator('#panel-integrations').innerText(), /0x47c2…fcfa/);
    // The same button now adds accounts (its accessible name comes from the slotted label).
    await page.locator('kryptos-connect').getByRole('button', { name: 'Add more accounts' }).waitFor();
    const kc = await recorded(page);
    assert.deepEqual(kc.success, [{ public_token: 'public_…' }]);
    assert.deepEqual(kc.errors, []);
    // The exchange happened in the BFF: it holds an access token for alice, the server lists one grant.
    assert.match((await storedAccessToken(stack, 'alice')) ?? '', /^cat_/);
    const grants = await partnerCall(stack, 'GET', '/token/grants');
    assert.equal(grants.status, 200);
    assert.ok(grants.json.data.grants.length >= 1);
    connected = { session: { page, context, observer }, username: 'alice' };
  });

  it('email-code path: the code from the outbox signs in, then the flow reaches the exchange', async () => {
    const { page, context } = await newSession(browser);
    const email = `bob-${Date.now()}@example.com`;
    await signIn(page, stack.origin, 'bob');
    await openWidget(page);
    await page.getByLabel('Email address').fill(email);
    await page.locator('kryptos-email-step').getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.getByText(`We sent a 6-digit code to ${email}.`).waitFor();
    await page.getByLabel('6-digit code').fill(await latestCode(stack, email));
    await page.getByRole('button', { name: 'Verify' }).click();
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await continueFromAccounts(page);
    await allowAccess(page);
    await finishAndWaitConnected(page);
    await portfolioAccounts(page, 1);
    // The grant belongs to an email user (not anonymous): userinfo through the BFF shows the address.
    const info = await page.evaluate(async () => (await fetch('/api/kryptos/data/userinfo')).json());
    assert.equal(info.userInfo.email, email);
    await context.close();
  });

  it('sandbox: a non-test address is refused inline with the sandbox message, the test address then works', async () => {
    const { page, context } = await newSession(browser);
    await signIn(page, stack.origin, 'carol');
    await openWidget(page);
    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    const step = page.locator('kryptos-connect-step');
    await step.getByLabel('Wallet address').fill(OTHER_ETH);
    // Said while typing, never "Valid EVM address" first: only the Ethereum test address is accepted.
    await step.locator('#address-error').getByText(`Sandbox mode only allows the test address ${SANDBOX_ETH}.`).waitFor();
    assert.equal(await step.getByText('Valid EVM address').count(), 0);
    await step.getByRole('button', { name: 'Add account' }).click();
    const alert = step.locator('.alert[role="alert"]');
    // The server refuses too (the rule is enforced there), naming the sandbox test addresses, Ethereum's first.
    await alert.getByText(/^Sandbox mode only allows the test address 0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa\b/).waitFor();
    assert.equal(await dialog(page).isVisible(), true);
    // The offered fix fills the test address in.
    await step.getByRole('button', { name: 'Use the test address' }).click();
    await step.getByText('Valid EVM address').waitFor();
    assert.equal(await step.getByLabel('Wallet address').inputValue(), SANDBOX_ETH);
    await step.getByRole('button', { name: 'Add account' }).click();
    await continueFromAccounts(page);
    await allowAccess(page);
    await finishAndWaitConnected(page);
    const kc = await recorded(page);
    assert.ok(kc.events.some((e) => e.type === 'error' && (e as { code?: string }).code === 'SANDBOX_ADDRESS_NOT_ALLOWED'));
    await context.close();
  });

  it('consent with an optional group switched off: the grant lacks its scopes; the required group cannot be switched off', async () => {
    const { page, context } = await newSession(browser);
    await signIn(page, stack.origin, 'dave');
    await openWidget(page);
    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await continueFromAccounts(page);
    const consent = page.locator('kryptos-consent-step');
    const tax = consent.getByRole('switch', { name: 'See your tax reports and accounting' });
    await tax.uncheck();
    assert.equal(await tax.isChecked(), false);
    // "Know who you are" holds openid (required): marked, and no control to switch it off.
    const identity = consent.locator('[data-group="identity"]');
    await identity.getByText('Required').waitFor();
    assert.equal(await identity.getByRole('switch').count(), 0);
    assert.equal(await identity.getByRole('checkbox').count(), 0);
    // The partner's privacy policy and terms, and ours, are linked (new tab).
    for (const [name, href] of [
      ['Acme Portfolio (demo) Privacy policy (opens in a new tab)', `${stack.origin}/privacy.html`],
      ['Acme Portfolio (demo) Terms (opens in a new tab)', `${stack.origin}/terms.html`],
      ['Kryptos Privacy policy (opens in a new tab)', `${stack.connect.url}/legal/privacy`],
      ['Kryptos Terms (opens in a new tab)', `${stack.connect.url}/legal/terms`],
    ]) {
      const link = consent.getByRole('link', { name });
      assert.equal(await link.getAttribute('href'), href);
      assert.equal(await link.getAttribute('target'), '_blank');
    }
    await allowAccess(page);
    await finishAndWaitConnected(page);

    const connection = await page.evaluate(async () => (await fetch('/api/kryptos/connection')).json());
    assert.equal(connection.connected, true);
    for (const scope of ['tax:read', 'accounting:read', 'reports:read']) assert.ok(!connection.scopes.includes(scope), connection.scopes.join(' '));
    assert.ok(connection.scopes.includes('portfolios:read'));
    const grants = await partnerCall(stack, 'GET', '/token/grants');
    const grant = grants.json.data.grants.find((g: { grant_id: string }) => g.grant_id === connection.grant_id);
    assert.ok(grant, 'the grant is listed by /token/grants');
    const scopes = Array.isArray(grant.scopes) ? grant.scopes : String(grant.scopes).split(' ');
    assert.ok(!scopes.includes('tax:read'));
    assert.ok(scopes.includes('openid'));
    // The data call that needs the unshared scope answers 403 (the demo says "Not shared").
    await page.locator('#panel-tax').getByText('Not shared').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/kryptos/tax/summary')).status);
    assert.equal(status, 403);
    await context.close();
  });

  it('Ethereum then Solana: accounts, consent and success list both; one removed in the flow is not shared', async () => {
    const { page, context } = await newSession(browser);
    await signIn(page, stack.origin, 'gina');
    await openWidget(page);
    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await addAnotherAccount(page, 'solana', 'Solana', SANDBOX_SOL, 'SOLANA');
    assert.deepEqual(await accountRows(page, 'kryptos-accounts-step'), ['Ethereum 0x47c2…fcfa', 'Solana 2r8Hm9…wrk1']);
    await continueFromAccounts(page);
    assert.deepEqual(await accountRows(page, 'kryptos-consent-step'), ['Ethereum 0x47c2…fcfa', 'Solana 2r8Hm9…wrk1']);
    // Back to the accounts, remove Solana (DELETE /widget/integrations/:id on the real server), consent again.
    await page.locator('kryptos-connect').getByRole('button', { name: 'Back' }).click();
    await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Remove Solana 2r8Hm9…wrk1' }).click();
    await page.locator('kryptos-accounts-step').getByText('Solana removed.').waitFor({ state: 'attached' });
    assert.deepEqual(await accountRows(page, 'kryptos-accounts-step'), ['Ethereum 0x47c2…fcfa']);
    await addAnotherAccount(page, 'solana', 'Solana', SANDBOX_SOL, 'SOLANA');
    await continueFromAccounts(page);
    assert.deepEqual(await accountRows(page, 'kryptos-consent-step'), ['Ethereum 0x47c2…fcfa', 'Solana 2r8Hm9…wrk1']);
    await allowAccess(page);
    await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
    assert.deepEqual(await accountRows(page, 'kryptos-status-step'), ['Ethereum 0x47c2…fcfa', 'Solana 2r8Hm9…wrk1']);
    // The headline never says finished while a row is not.
    await page.locator('kryptos-status-step .summary').getByText('Sync finished.').waitFor({ timeout: 30_000 });
    assert.deepEqual(await page.locator('kryptos-status-step .badge').allInnerTexts(), ['Synced', 'Synced']);
    await page.getByRole('button', { name: 'Done' }).click();
    await portfolioAccounts(page, 2);
    await context.close();
  });

  it('resume: a connected user adds the Solana test address without sign-in or consent; success is null', async () => {
    const { session, username } = await connectedUser('erin');
    const { page } = session;
    await page.evaluate(() => {
      const kc = (window as unknown as { __kc: { success: unknown[]; events: unknown[] } }).__kc;
      kc.success.length = 0;
      kc.events.length = 0;
    });

    await openWidget(page);
    // Straight to the picker: no sign-in screen.
    await page.getByRole('heading', { name: 'Select an account to link to Acme Portfolio (demo)' }).waitFor();
    await pickProvider(page, 'solana', 'Solana');
    await addAddress(page, SANDBOX_SOL, 'SOLANA');
    await page.getByRole('heading', { name: 'Accounts to share' }).waitFor();
    await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
    const kc = await recorded(page);
    assert.deepEqual(kc.success, [null]);
    const shown = kc.events.filter((e) => e.type === 'step_shown').map((e) => e.step);
    assert.ok(!shown.includes('auth') && !shown.includes('otp') && !shown.includes('consent'), shown.join(','));
    await page.getByRole('button', { name: 'Done' }).click();
    await page
      .locator('#message')
      .getByText(/^1 account added\./)
      .waitFor();
    await portfolioAccounts(page, 2);
    const data = await page.evaluate(async () => (await fetch('/api/kryptos/data/integrations')).json());
    const list = data.data ?? data.integrations;
    assert.equal(list.length, 2);
    assert.deepEqual(list.map((i: { provider: string }) => i.provider).sort(), ['ethereum', 'solana']);
    connected = { session, username };
  });

  it('disconnect revokes: the BFF data call answers 401 and the old access token is dead at the server', async () => {
    const { session, username } = await connectedUser('frank');
    const { page, context } = session;
    const token = await storedAccessToken(stack, username);
    assert.ok(token);
    const before = await fetch(`${stack.connect.url}/api/v1/userinfo`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(before.status, 200);

    // Disconnecting asks first; Cancel changes nothing.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const confirm = page.getByRole('dialog', { name: 'Disconnect Kryptos?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal((await fetch(`${stack.connect.url}/api/v1/userinfo`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    await page.locator('#connection-status .badge.ok').waitFor();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await confirm.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('Disconnected: Acme Portfolio can no longer read your Kryptos data.').waitFor();
    await page.locator('#connection-status').getByText('Not connected').waitFor();
    const data = await page.evaluate(async () => {
      const r = await fetch('/api/kryptos/data/userinfo');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(data.status, 401);
    assert.equal(data.body.error, 'unauthorized');
    const afterRevoke = await fetch(`${stack.connect.url}/api/v1/userinfo`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(afterRevoke.status, 401);
    assert.equal(await storedAccessToken(stack, username), undefined);
    await context.close();
  });
});
