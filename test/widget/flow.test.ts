import { expect, waitUntil, oneEvent, aTimeout } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../widget/index.ts';
import type { ConnectEventDetail, ConnectError } from '../../widget/index.ts';
import {
  installFakeApi,
  makeSession,
  mount,
  step,
  $,
  type,
  collect,
  deepActiveElement,
  guestToAccounts,
  ETH_TEST,
  SOL_TEST,
  BAD_CHECKSUM,
  SANDBOX_RULES,
  type FakeApi,
} from './helpers.ts';

let fake: FakeApi;
afterEach(() => fake?.restore());

describe('<kryptos-connect> flow', () => {
  it('renders a part="button" with the default label and fetches no token before opening', async () => {
    fake = installFakeApi();
    const { el, gen } = await mount(fake);
    const button = el.shadowRoot!.querySelector('[part=button]')!;
    expect(button.textContent!.trim()).to.equal('Connect with Kryptos');
    expect(gen.count).to.equal(0);
    expect(fake.calls).to.have.length(0);
    expect(el.getAttribute('link-token')).to.equal(null);
  });

  it('goes email → code → workspace → picker → connect → accounts → consent → success by keyboard alone', async () => {
    fake = installFakeApi(
      makeSession({
        workspaces: [
          { id: 'ws_a', name: 'Home', role: 'owner' },
          { id: 'ws_b', name: 'Work', role: 'admin' },
        ],
      }),
    );
    const { el } = await mount(fake);
    const events = collect<ConnectEventDetail>(el, 'connect-event');
    const success = collect<unknown>(el, 'connect-success');

    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=button]')!.focus();
    await sendKeys({ press: 'Enter' });
    await step(el, 'kryptos-email-step');
    expect(deepActiveElement()?.id).to.equal('email');
    await sendKeys({ type: 'ada@example.com' });
    await sendKeys({ press: 'Enter' });

    const code = await step(el, 'kryptos-code-step');
    expect(code.shadowRoot.textContent).to.contain('ada@example.com');
    expect($(code, 'button.secondary').textContent).to.match(/Resend code in 30 s/);
    await waitUntil(() => deepActiveElement()?.id === 'code');
    await sendKeys({ type: '000000' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => $(code, '[role=alert]').textContent!.includes('That code is not right'));
    const input = $<HTMLInputElement>(code, '#code');
    input.select();
    await sendKeys({ type: '123456' });
    await sendKeys({ press: 'Enter' });

    const ws = await step(el, 'kryptos-workspace-step');
    expect(ws.shadowRoot.querySelectorAll('input[type=radio]')).to.have.length(2);
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Enter' });

    const picker = await step(el, 'kryptos-integration-step');
    expect(fake.widgetCalls('workspaces/select')[0]!.body).to.deep.equal({ workspace_id: 'ws_b' });
    expect(deepActiveElement()?.id).to.equal('search');
    await sendKeys({ type: 'ether' });
    await picker.updateComplete;
    await sendKeys({ press: 'Tab' }); // tablist (the selected tab)
    await sendKeys({ press: 'Tab' }); // first result
    expect(deepActiveElement()?.getAttribute('data-provider')).to.equal('ethereum');
    await sendKeys({ press: 'Enter' });

    const connect = await step(el, 'kryptos-connect-step');
    expect(deepActiveElement()?.id).to.equal('address');
    await sendKeys({ type: ETH_TEST });
    await waitUntil(() => connect.shadowRoot.querySelector('.chips'), 'chips', { timeout: 3000 });
    expect([...connect.shadowRoot.querySelectorAll('.chips li')].map((li) => li.textContent!.trim())).to.deep.equal(['ethereum', 'base']);
    $<HTMLInputElement>(connect, '#address').focus();
    await sendKeys({ press: 'Enter' });

    const accounts = await step(el, 'kryptos-accounts-step');
    expect(fake.widgetCalls('integrations').at(-1)!.body).to.deep.equal({ provider: 'ethereum', address: ETH_TEST, chains: ['ethereum', 'base'] });
    expect(accounts.shadowRoot.querySelectorAll('.account')).to.have.length(2);
    $(accounts, 'button.primary').focus();
    await sendKeys({ press: 'Enter' });

    const consent = await step(el, 'kryptos-consent-step');
    const text = consent.shadowRoot.textContent!;
    expect(text).to.contain('Acme Portfolio').and.contain('See your portfolio and transactions').and.contain('15 years');
    // Grouped sentences: the required one is marked and has no control; the optional ones are switches.
    expect([...consent.shadowRoot.querySelectorAll('[data-group]')].map((g) => g.getAttribute('data-group'))).to.deep.equal(['identity', 'portfolio', 'tax']);
    expect($(consent, '[data-group=identity]').textContent).to.contain('Required');
    expect($(consent, '[data-group=identity]').querySelector('input')).to.equal(null);
    const switches = [...consent.shadowRoot.querySelectorAll<HTMLInputElement>('input[role=switch]')];
    expect(switches.map((b) => b.checked)).to.deep.equal([true, true]);
    switches[1]!.focus();
    await sendKeys({ press: 'Space' });
    expect(switches[1]!.checked).to.equal(false);
    $(consent, 'button.primary').focus();
    await sendKeys({ press: 'Enter' });

    const status = await step(el, 'kryptos-status-step');
    expect(fake.widgetCalls('consent')[0]!.body).to.deep.equal({ scopes: ['openid', 'portfolios:read', 'transactions:read'] });
    expect(success).to.have.length(1);
    expect((success[0] as { public_token: string }).public_token).to.match(/^public_/);
    await waitUntil(() => $(status, 'p[role=status]').textContent!.includes('Sync finished'), 'sync settles', { timeout: 5000 });
    $(status, 'button.primary').focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => !el.shadowRoot!.querySelector('dialog')!.open);

    const types = events.map((e) => e.type);
    expect(types[0]).to.equal('open');
    expect(types).to.include.members(['step_shown', 'provider_selected', 'credentials_submitted', 'error', 'success']);
    expect(types).not.to.include('exit');
    expect(events.filter((e) => e.type === 'step_shown').map((e) => e.step)).to.deep.equal([
      'auth',
      'otp',
      'workspace',
      'integrations',
      'connect',
      'integrations',
      'consent',
      'success',
    ]);
    const ids = new Set(events.map((e) => e.session_id));
    expect(ids.size).to.equal(1);
    expect(events.find((e) => e.type === 'provider_selected')).to.include({ provider: 'ethereum' });
    expect(events.find((e) => e.type === 'error')).to.include({ code: 'INVALID_OTP', step: 'otp' });
    expect(events.every((e) => typeof e.timestamp === 'number')).to.equal(true);
    expect(fake.widgetCalls('exit')).to.have.length(0);
  });

  it('Escape closes with an AbortError (USER_CLOSED), posts /widget/exit and returns focus to the button', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part=button]')!;
    const events = collect<ConnectEventDetail>(el, 'connect-event');
    button.focus();
    await sendKeys({ press: 'Enter' });
    await step(el, 'kryptos-email-step');
    const errorEvent = oneEvent(el, 'connect-error');
    await sendKeys({ press: 'Escape' });
    const { detail } = (await errorEvent) as CustomEvent<ConnectError>;
    expect(detail).to.be.instanceOf(Error);
    expect(detail.name).to.equal('AbortError');
    expect(detail.code).to.equal('USER_CLOSED');
    expect(el.shadowRoot!.activeElement).to.equal(button);
    expect(events.at(-1)).to.include({ type: 'exit', step: 'auth' });
    await waitUntil(() => fake.widgetCalls('exit').length === 1);
    expect(fake.widgetCalls('exit')[0]!.body).to.deep.equal({ step: 'auth', reason: 'user_closed', session_id: events[0]!.session_id });
  });

  it('the close button and close() also end the flow with an AbortError', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    const errors = collect<ConnectError>(el, 'connect-error');
    void el.open();
    await step(el, 'kryptos-email-step');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=close-button]')!.click();
    await waitUntil(() => errors.length === 1);
    void el.open();
    await step(el, 'kryptos-email-step');
    el.close();
    await waitUntil(() => errors.length === 2);
    expect(errors.map((e) => e.code)).to.deep.equal(['USER_CLOSED', 'USER_CLOSED']);
  });

  it('guest sign-in, exchange key form asks for a READ-ONLY key and shows the import guide', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    const events = collect<ConnectEventDetail>(el, 'connect-event');
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const picker = await step(el, 'kryptos-integration-step');
    expect(fake.widgetCalls('auth/guest')).to.have.length(1);
    $<HTMLButtonElement>(picker, '#tab-exchange').click();
    await picker.updateComplete;
    const names = [...picker.shadowRoot.querySelectorAll('[data-provider]')].map((b) => b.getAttribute('data-provider'));
    expect(names).to.deep.equal(['binance']);
    const img = picker.shadowRoot.querySelector<HTMLImageElement>('[data-provider] img')!;
    expect(img.src).to.equal(`${location.origin}/integrations/logos/binance.svg`);
    $<HTMLButtonElement>(picker, '[data-provider=binance]').click();
    const form = await step(el, 'kryptos-connect-step');
    expect($(form, '.note').textContent).to.contain('READ-ONLY');
    expect($<HTMLAnchorElement>(form, 'a').href).to.equal('https://example.com/guide/binance');
    expect($<HTMLInputElement>(form, '#f-secretKey').type).to.equal('password');
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await form.updateComplete;
    expect($(form, '[role=alert]').textContent).to.contain('Fill in every required field');
    type($<HTMLInputElement>(form, '#f-apiKey'), 'key');
    type($<HTMLInputElement>(form, '#f-secretKey'), 'secret');
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await step(el, 'kryptos-accounts-step');
    expect(fake.widgetCalls('integrations').at(-1)!.body).to.deep.equal({ provider: 'binance', credentials: { apiKey: 'key', secretKey: 'secret' } });
    expect(events.filter((e) => e.type === 'credentials_submitted').map((e) => e.provider)).to.deep.equal(['binance']);
  });

  it('sandbox refusals explain what sandbox allows and offer the test address', async () => {
    fake = installFakeApi(makeSession({ sandbox: true, sandbox_rules: SANDBOX_RULES }));
    const { el } = await mount(fake, { integrationName: 'ethereum' });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    const other = '0x1111111111111111111111111111111111111111';
    type($<HTMLInputElement>(form, '#address'), other);
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await waitUntil(() => form.shadowRoot.querySelector('.alert button'), 'sandbox error');
    const alert = $(form, '.alert[role=alert]');
    expect(alert.textContent).to.contain('Sandbox mode only allows the test address').and.contain(ETH_TEST);
    alert.querySelector('button')!.click();
    await form.updateComplete;
    expect($<HTMLInputElement>(form, '#address').value).to.equal(ETH_TEST);
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await step(el, 'kryptos-accounts-step');
  });

  it('a provider sandbox refuses is explained up front, by display name, with a way back to the picker', async () => {
    fake = installFakeApi(makeSession({ sandbox: true, sandbox_rules: SANDBOX_RULES }));
    const { el } = await mount(fake, { integrationName: 'metamask' });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    // No form to fill in for nothing: the rule is said before any typing.
    expect(form.shadowRoot.querySelector('#address')).to.equal(null);
    expect($(form, '.alert').textContent!.trim()).to.equal('Sandbox mode only allows: Ethereum, Solana.');
    $<HTMLButtonElement>(form, 'button.primary').click();
    await step(el, 'kryptos-integration-step');
    expect(fake.widgetCalls('integrations').filter((c) => c.method === 'POST')).to.have.length(0);
  });

  it('sandbox: the picker shows the providers sandbox refuses as unavailable, with the reason, and they do nothing', async () => {
    fake = installFakeApi(makeSession({ sandbox: true, sandbox_rules: SANDBOX_RULES }));
    const { el } = await mount(fake);
    const events = collect<ConnectEventDetail>(el, 'connect-event');
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const picker = await step(el, 'kryptos-integration-step');
    const ids = [...picker.shadowRoot.querySelectorAll('[data-provider]')].map((b) => b.getAttribute('data-provider'));
    expect(ids).to.deep.equal(['ethereum', 'solana', 'binance', 'metamask']);
    const binance = $<HTMLButtonElement>(picker, '[data-provider=binance]');
    expect(binance.getAttribute('aria-disabled')).to.equal('true');
    expect(binance.textContent).to.contain('Not available in sandbox');
    expect(picker.shadowRoot.getElementById(binance.getAttribute('aria-describedby')!)!.textContent).to.equal(
      'Sandbox mode: only Ethereum and Solana test accounts can be added.',
    );
    expect($(picker, '[data-provider=ethereum]').getAttribute('aria-disabled')).to.equal('false');
    binance.click();
    await aTimeout(50);
    expect(el.shadowRoot!.querySelector('kryptos-connect-step')).to.equal(null);
    expect(events.filter((e) => e.type === 'provider_selected')).to.have.length(0);
  });

  it('sandbox: a valid non-test address is refused while typing (never "Valid EVM address"), with the test address offered', async () => {
    fake = installFakeApi(makeSession({ sandbox: true, sandbox_rules: SANDBOX_RULES }));
    const { el } = await mount(fake, { integrationName: 'ethereum' });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    const input = $<HTMLInputElement>(form, '#address');
    type(input, '0x2222222222222222222222222222222222222222');
    await waitUntil(() => $(form, '#address-error').textContent !== '', 'said while typing', { timeout: 3000 });
    expect($(form, '#address-error').textContent).to.equal(`Sandbox mode only allows the test address ${ETH_TEST}.`);
    expect($(form, '#address-status').textContent).not.to.contain('Valid');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(fake.widgetCalls('integrations').filter((c) => c.method === 'POST')).to.have.length(0);
    $<HTMLButtonElement>(form, '#address-error + button').click();
    await waitUntil(() => $(form, '#address-status').textContent!.includes('Valid EVM address'), 'test address valid', { timeout: 3000 });
    expect(input.value).to.equal(ETH_TEST);
    expect($(form, '#address-error').textContent).to.equal('');
  });

  it('a wrong EIP-55 checksum says so (not the generic "not a valid address"), while typing and on submit', async () => {
    fake = installFakeApi();
    fake.intercept = (call) =>
      call.path === 'widget/integrations' && call.method === 'POST' && (call.body as { address?: string }).address === BAD_CHECKSUM
        ? { status: 400, body: { success: false, error: 'checksum', code: 'INVALID_ADDRESS', checksum_ok: false } }
        : undefined;
    const { el } = await mount(fake, { integrationName: 'ethereum' });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    type($<HTMLInputElement>(form, '#address'), BAD_CHECKSUM);
    await waitUntil(() => $(form, '#address-error').textContent !== '', 'checked', { timeout: 3000 });
    expect($(form, '#address-error').textContent).to.equal('Check the capital letters: the checksum does not match.');
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await waitUntil(() => $(form, '.alert[role=alert]').textContent !== '', 'refused', { timeout: 3000 });
    expect($(form, '.alert[role=alert]').textContent!.trim()).to.equal('Check the capital letters: the checksum does not match.');
  });

  it('ALREADY_CONNECTED tells the user and lets them continue', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    await guestToAccounts(el);
    $<HTMLButtonElement>(await step(el, 'kryptos-accounts-step'), 'button.secondary').click();
    $<HTMLButtonElement>(await step(el, 'kryptos-integration-step'), '[data-provider=ethereum]').click();
    const form = await step(el, 'kryptos-connect-step');
    type($<HTMLInputElement>(form, '#address'), ETH_TEST);
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    await waitUntil(() => $(form, '.alert').textContent!.includes('already connected'));
    $<HTMLButtonElement>(form, '.alert button').click();
    await step(el, 'kryptos-accounts-step');
  });

  it('live address validation is debounced (500 ms), flags invalid input and "Remove all" clears the chips', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake, { integrationName: 'ethereum' });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    const input = $<HTMLInputElement>(form, '#address');
    type(input, '0x12');
    type(input, 'nonsense');
    await aTimeout(300);
    expect(fake.widgetCalls('address/chains')).to.have.length(0);
    await waitUntil(() => input.getAttribute('aria-invalid') === 'true', 'invalid', { timeout: 2000 });
    expect(fake.widgetCalls('address/chains')).to.have.length(1);
    expect($(form, '#address-error').textContent).to.contain('not a valid address');
    // No detected chains → the provider's own chain is pre-selected.
    type(input, '0x2222222222222222222222222222222222222222');
    await waitUntil(() => form.shadowRoot.querySelector('.chips'), 'chips', { timeout: 2000 });
    expect([...form.shadowRoot.querySelectorAll('.chips li')].map((li) => li.textContent!.trim())).to.deep.equal(['ethereum']);
    type(input, ETH_TEST);
    await waitUntil(() => form.shadowRoot.querySelectorAll('.chips li').length === 2, 'two chips', { timeout: 2000 });
    $<HTMLButtonElement>(form, '.chips button[aria-label="Remove base"]').click();
    await form.updateComplete;
    expect(form.shadowRoot.querySelectorAll('.chips li')).to.have.length(1);
    $<HTMLButtonElement>(form, 'button.link').click();
    await form.updateComplete;
    expect(form.shadowRoot.querySelector('.chips')).to.equal(null);
    expect(form.shadowRoot.textContent).to.contain('No chain selected');
  });

  it('prefill fills the address and triggers chain detection', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake, { integrationName: 'ethereum' });
    el.prefill = { address: ETH_TEST };
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const form = await step(el, 'kryptos-connect-step');
    expect($<HTMLInputElement>(form, '#address').value).to.equal(ETH_TEST);
    await waitUntil(() => form.shadowRoot.querySelectorAll('.chips li').length === 2, 'detected', { timeout: 2000 });
  });

  it('resumed session skips sign-in and consent, records consent and succeeds with null', async () => {
    fake = installFakeApi(
      makeSession({ has_existing_grant: true, user: { id: 'usr_1', email: 'a@b.co', is_anonymous: false }, workspace: { id: 'ws_1', name: 'W' } }),
    );
    const { el } = await mount(fake, { isAuthorized: true });
    const success = collect<unknown>(el, 'connect-success');
    void el.open();
    const picker = await step(el, 'kryptos-integration-step');
    expect(el.shadowRoot!.querySelector('kryptos-email-step')).to.equal(null);
    $<HTMLButtonElement>(picker, '[data-provider=solana]').click();
    const form = await step(el, 'kryptos-connect-step');
    type($<HTMLInputElement>(form, '#address'), SOL_TEST);
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    const accounts = await step(el, 'kryptos-accounts-step');
    expect($(accounts, 'button.primary').textContent!.trim()).to.equal('Confirm');
    $<HTMLButtonElement>(accounts, 'button.primary').click();
    await step(el, 'kryptos-status-step');
    expect(el.shadowRoot!.querySelector('kryptos-consent-step')).to.equal(null);
    expect(fake.widgetCalls('consent')[0]!.body).to.deep.equal({ scopes: ['openid', 'portfolios:read', 'transactions:read', 'tax:read'] });
    expect(success).to.deep.equal([null]);
  });

  it('delivers success exactly once, across re-renders and a re-mount', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    const success = collect<unknown>(el, 'connect-success');
    const errors = collect<unknown>(el, 'connect-error');
    $<HTMLButtonElement>(await guestToAccounts(el), 'button.primary').click();
    $<HTMLButtonElement>(await step(el, 'kryptos-consent-step'), 'button.primary').click();
    await step(el, 'kryptos-status-step');
    for (let i = 0; i < 3; i++) {
      el.requestUpdate();
      await el.updateComplete;
    }
    const parent = el.parentElement!;
    el.remove();
    parent.append(el);
    await el.updateComplete;
    await step(el, 'kryptos-status-step');
    expect(el.shadowRoot!.querySelector('dialog')!.open).to.equal(true);
    // The consent step cannot be re-submitted: the flow already delivered.
    el.close();
    await waitUntil(() => !el.shadowRoot!.querySelector('dialog')!.open);
    await aTimeout(50);
    expect(success).to.have.length(1);
    expect(errors).to.have.length(0);
    expect(fake.widgetCalls('exit')).to.have.length(0);
  });

  it('stops polling sync status when the success step goes away', async () => {
    fake = installFakeApi();
    fake.ongoingPolls = 1000;
    const { el } = await mount(fake);
    $<HTMLButtonElement>(await guestToAccounts(el), 'button.primary').click();
    $<HTMLButtonElement>(await step(el, 'kryptos-consent-step'), 'button.primary').click();
    const status = await step(el, 'kryptos-status-step');
    expect($(status, '.badge').textContent).to.equal('Syncing');
    el.close();
    await waitUntil(() => !el.shadowRoot!.querySelector('kryptos-status-step'));
    const polls = fake.widgetCalls('integrations').filter((c) => c.method === 'GET').length;
    await aTimeout(2500);
    expect(fake.widgetCalls('integrations').filter((c) => c.method === 'GET').length).to.equal(polls);
  });

  it('shows a start failure inline with a retry and reports connect-error', async () => {
    fake = installFakeApi();
    let fail = true;
    fake.intercept = (call) =>
      fail && call.path === 'widget/session' ? { status: 500, body: { success: false, error: 'boom', code: 'INTERNAL_ERROR' } } : undefined;
    const { el } = await mount(fake);
    const errors = collect<ConnectError>(el, 'connect-error');
    void el.open();
    await waitUntil(() => el.shadowRoot!.querySelector('.alert[role=alert]'));
    expect(errors[0]!.code).to.equal('INTERNAL_ERROR');
    fail = false;
    el.shadowRoot!.querySelector<HTMLButtonElement>('.retry')!.click();
    await step(el, 'kryptos-email-step');
  });

  it('link-token-url: POSTs {} with same-origin credentials and X-Requested-With, then uses the token', async () => {
    fake = installFakeApi();
    const seen: RequestInit[] = [];
    const fetchSpy = window.fetch;
    window.fetch = (input, init) => {
      if (String(input).endsWith('/link-token')) seen.push(init!);
      return fetchSpy(input, init);
    };
    const el = document.createElement('kryptos-connect');
    el.setAttribute('link-token-url', '/link-token');
    el.setAttribute('api-base', 'http://127.0.0.1:4000');
    document.body.append(el);
    try {
      void el.open();
      await step(el, 'kryptos-email-step');
      expect(seen).to.have.length(1);
      expect(seen[0]!.method).to.equal('POST');
      expect(seen[0]!.credentials).to.equal('same-origin');
      expect(new Headers(seen[0]!.headers).get('X-Requested-With')).to.equal('kryptos-connect');
      expect(seen[0]!.body).to.equal('{}');
      const session = fake.widgetCalls('session')[0]!;
      expect(session.url).to.equal('http://127.0.0.1:4000/widget/session');
      expect(session.token).to.equal('link_1');
      expect(session.url).not.to.contain('link_');
    } finally {
      el.close();
      el.remove();
    }
  });

  it('honours auth-methods and never puts the token in attributes or storage', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    el.setAttribute('auth-methods', 'anonymous');
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    expect(auth.shadowRoot.querySelector('#email')).to.equal(null);
    expect($(auth, 'button.primary').textContent!.trim()).to.equal('Continue as guest');
    const attrs = [...el.attributes].map((a) => a.value).join(' ');
    expect(attrs).not.to.contain('link_');
    expect(JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })).not.to.contain('link_');
    expect(location.href).not.to.contain('link_');
  });

  it('is defined once even if the module is evaluated twice (guarded define)', async () => {
    const ctor = customElements.get('kryptos-connect');
    const again = '../../widget/kryptos-connect.ts?again';
    await import(again);
    expect(customElements.get('kryptos-connect')).to.equal(ctor);
  });
});

/** Adds one more account from the accounts step: picker → provider → address → back on the accounts step. */
async function addAnother(el: Parameters<typeof step>[0], provider: string, address: string) {
  $<HTMLButtonElement>(await step(el, 'kryptos-accounts-step'), 'button.add').click();
  $<HTMLButtonElement>(await step(el, 'kryptos-integration-step'), `[data-provider=${provider}]`).click();
  const form = await step(el, 'kryptos-connect-step');
  type($<HTMLInputElement>(form, '#address'), address);
  await waitUntil(() => $(form, '#address-status').textContent!.includes('Valid'), 'address checked', { timeout: 3000 });
  $<HTMLButtonElement>(form, 'button[type=submit]').click();
  return step(el, 'kryptos-accounts-step');
}

const rows = (node: { shadowRoot: ShadowRoot }) => [...node.shadowRoot.querySelectorAll('.account strong')].map((s) => s.textContent);

describe('<kryptos-connect> accounts across the flow', () => {
  it('Ethereum then Solana: accounts, consent and success list every account (the add response is merged, not taken as the list)', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    await guestToAccounts(el);
    const accounts = await addAnother(el, 'solana', SOL_TEST);
    expect(rows(accounts)).to.deep.equal(['Ethereum', 'Ethereum · base', 'Solana']);
    $<HTMLButtonElement>(accounts, 'button.primary').click();
    const consent = await step(el, 'kryptos-consent-step');
    expect(rows(consent)).to.deep.equal(['Ethereum', 'Ethereum · base', 'Solana']);
    $<HTMLButtonElement>(consent, 'button.primary').click();
    const status = await step(el, 'kryptos-status-step');
    expect(rows(status)).to.deep.equal(['Ethereum', 'Ethereum · base', 'Solana']);
  });

  it('the success headline always agrees with the rows beside it (no "Sync finished." next to "Waiting to sync")', async () => {
    fake = installFakeApi();
    fake.ongoingPolls = 2;
    const { el } = await mount(fake);
    const seen: { headline: string; badges: string[] }[] = [];
    $<HTMLButtonElement>(await guestToAccounts(el), 'button.primary').click();
    $<HTMLButtonElement>(await step(el, 'kryptos-consent-step'), 'button.primary').click();
    const status = await step(el, 'kryptos-status-step');
    const record = () =>
      seen.push({
        headline: $(status, '.summary').textContent!.trim(),
        badges: [...status.shadowRoot.querySelectorAll('.badge')].map((b) => b.textContent!.trim()),
      });
    record();
    const observer = new MutationObserver(record);
    observer.observe(status.shadowRoot, { subtree: true, childList: true, characterData: true });
    await waitUntil(() => $(status, '.summary').textContent!.includes('Sync finished'), 'settles', { timeout: 8000 });
    observer.disconnect();
    record();
    expect(seen[0]!.badges).to.have.length(2);
    for (const s of seen) {
      const finished = s.badges.every((b) => b === 'Synced');
      if (s.headline === 'Sync finished.') expect(finished, JSON.stringify(s)).to.equal(true);
      else expect(finished, JSON.stringify(s)).to.equal(false);
    }
    expect(seen.some((s) => s.headline.startsWith('Sync in progress'))).to.equal(true);
  });

  it('an account added in the flow can be removed before consent; the consent then lists only what is left', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    await guestToAccounts(el);
    const accounts = await addAnother(el, 'solana', SOL_TEST);
    const remove = $<HTMLButtonElement>(accounts, '[data-id=int_3] button');
    expect(remove.getAttribute('aria-label')).to.equal(`Remove Solana ${SOL_TEST.slice(0, 6)}…${SOL_TEST.slice(-4)}`);
    remove.click();
    await waitUntil(() => rows(accounts).length === 2, 'removed');
    expect(fake.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).to.deep.equal(['widget/integrations/int_3']);
    expect($(accounts, '[role=status]').textContent).to.equal('Solana removed.');
    $<HTMLButtonElement>(accounts, 'button.primary').click();
    expect(rows(await step(el, 'kryptos-consent-step'))).to.deep.equal(['Ethereum', 'Ethereum · base']);
  });

  it('a signed-in user sees the accounts already in the workspace first, and may remove them', async () => {
    fake = installFakeApi();
    fake.integrations.push({
      id: 'int_old',
      provider: 'solana',
      providerPublicName: 'Solana',
      publicAddress: SOL_TEST,
      chain: 'solana',
      alias: null,
      category: 'blockchain',
      status: 'COMPLETED',
      message: null,
      addedOn: 1,
      lastSyncedAt: 1,
      logoUrl: '/integrations/logos/solana.svg',
    });
    const { el } = await mount(fake);
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const accounts = await step(el, 'kryptos-accounts-step');
    expect(rows(accounts)).to.deep.equal(['Solana']);
    expect(accounts.shadowRoot.querySelector('[data-id=int_old] button')).to.exist;
  });

  it('resumed session: no listing is relied on, only accounts added in this flow are removable, and a 403 is said plainly', async () => {
    fake = installFakeApi(
      makeSession({ has_existing_grant: true, user: { id: 'usr_1', email: null, is_anonymous: false }, workspace: { id: 'ws_1', name: 'W' } }),
    );
    fake.refuseListing = true;
    fake.refuseRemoval = true;
    const { el } = await mount(fake, { isAuthorized: true });
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-integration-step'), '[data-provider=solana]').click();
    const form = await step(el, 'kryptos-connect-step');
    type($<HTMLInputElement>(form, '#address'), SOL_TEST);
    $<HTMLButtonElement>(form, 'button[type=submit]').click();
    const accounts = await step(el, 'kryptos-accounts-step');
    expect(fake.widgetCalls('integrations').filter((c) => c.method === 'GET')).to.have.length(0);
    expect(rows(accounts)).to.deep.equal(['Solana']);
    $<HTMLButtonElement>(accounts, '.account button').click();
    await waitUntil(() => $(accounts, '.alert').textContent !== '', 'refusal said');
    expect($(accounts, '.alert').textContent).to.equal('Sign in with your email to manage accounts you added before.');
    expect(rows(accounts)).to.deep.equal(['Solana']);
    $<HTMLButtonElement>(accounts, 'button.primary').click();
    const status = await step(el, 'kryptos-status-step');
    await waitUntil(() => $(status, '.summary').textContent!.includes('shows their sync status'), 'listing refused', { timeout: 3000 });
    expect(rows(status)).to.deep.equal(['Solana']);
  });
});

describe('<kryptos-connect> sign-in code', () => {
  it('a wrong code says how many attempts are left; resend counts down', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    type($<HTMLInputElement>(auth, '#email'), 'ada@example.com');
    $<HTMLButtonElement>(auth, 'button[type=submit]').click();
    const code = await step(el, 'kryptos-code-step');
    const resend = $<HTMLButtonElement>(code, '.resend button');
    expect(resend.disabled).to.equal(true);
    expect(resend.textContent!.trim()).to.equal('Resend code in 30 s');
    await waitUntil(() => resend.textContent!.includes('29 s'), 'counts down', { timeout: 2500 });
    for (const left of [4, 3]) {
      type($<HTMLInputElement>(code, '#code'), '000000');
      $<HTMLButtonElement>(code, 'button[type=submit]').click();
      await waitUntil(() => $(code, '[role=alert]').textContent!.includes(`${left} attempts left`), `${left} left`);
    }
    expect($(code, '[role=alert]').textContent).to.equal('That code is not right. Check it and try again. 3 attempts left.');
  });
});
