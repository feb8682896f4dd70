import { expect } from '@open-wc/testing';
import { createWidgetApi, WidgetApiError } from '../../widget/api.ts';
import { createLinkTokenSource } from '../../widget/link-token.ts';
import '../../widget/index.ts';
import { installFakeApi, makeSession, mount, step, tokenProvider, type FakeApi } from './helpers.ts';

let fake: FakeApi;
afterEach(() => fake?.restore());

describe('widget api client', () => {
  it('sends the link token only in X-LINK-TOKEN and unwraps the envelope', async () => {
    fake = installFakeApi();
    const gen = tokenProvider(fake);
    const api = createWidgetApi({ apiBase: '/kryptos', linkToken: createLinkTokenSource(gen) });
    const session = await api.session();
    expect(session.client.name).to.equal('Acme Portfolio');
    const call = fake.calls[0]!;
    expect(call.url).to.equal(`${location.origin}/kryptos/widget/session`);
    expect(call.token).to.equal('link_1');
  });

  it('turns an error envelope into a WidgetApiError with status, code and data', async () => {
    fake = installFakeApi();
    fake.intercept = (c) =>
      c.path === 'widget/integrations'
        ? { status: 409, body: { success: false, error: 'dup', code: 'ALREADY_CONNECTED', data: { existing: { id: 'int_9' } } } }
        : undefined;
    const api = createWidgetApi({ apiBase: '/kryptos/', linkToken: createLinkTokenSource(tokenProvider(fake)) });
    const error = await api.addIntegration({ provider: 'ethereum', address: '0x' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(WidgetApiError);
    expect(error).to.include({ status: 409, code: 'ALREADY_CONNECTED', message: 'dup' });
    expect((error as WidgetApiError).data).to.deep.equal({ existing: { id: 'int_9' } });
  });

  it('reports a network failure as NETWORK_ERROR', async () => {
    fake = installFakeApi();
    const fetch = window.fetch;
    window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    try {
      const api = createWidgetApi({ apiBase: '/kryptos', linkToken: createLinkTokenSource(async () => ({ link_token: 'link_1' })) });
      const error = await api.session().catch((e: unknown) => e);
      expect(error).to.include({ code: 'NETWORK_ERROR', status: 0 });
    } finally {
      window.fetch = fetch;
    }
  });

  for (const code of ['TOKEN_EXPIRED', 'INVALID_TOKEN']) {
    it(`on ${code} fetches a new link token and retries the call once`, async () => {
      fake = installFakeApi();
      const gen = tokenProvider(fake);
      const api = createWidgetApi({ apiBase: '/kryptos', linkToken: createLinkTokenSource(gen) });
      await api.session();
      fake.validTokens.delete('link_1');
      fake.intercept = (c) => (c.token === 'link_1' ? { status: 401, body: { success: false, error: 'x', code } } : undefined);
      const providers = await api.providers();
      expect(providers.length).to.be.greaterThan(0);
      expect(gen.count).to.equal(2);
      expect(fake.widgetCalls('providers').map((c) => c.token)).to.deep.equal(['link_1', 'link_2']);
      // The sign-in of the old token is handed over to the new one before the retry.
      expect(fake.widgetCalls('session/continue').map((c) => [c.token, c.body])).to.deep.equal([['link_2', { previous_link_token: 'link_1' }]]);
    });
  }

  it('retries only once: a second TOKEN_EXPIRED reaches the caller', async () => {
    fake = installFakeApi();
    const gen = tokenProvider(fake);
    fake.intercept = () => ({ status: 401, body: { success: false, error: 'x', code: 'TOKEN_EXPIRED' } });
    const api = createWidgetApi({ apiBase: '/kryptos', linkToken: createLinkTokenSource(gen) });
    const error = await api.session().catch((e: unknown) => e);
    expect(error).to.include({ code: 'TOKEN_EXPIRED' });
    expect(gen.count).to.equal(2);
    expect(fake.calls.filter((c) => c.path !== 'widget/session/continue')).to.have.length(2);
  });

  it('fetches a new token once expires_at has passed, and shares one request between concurrent callers', async () => {
    let now = 1_000_000;
    let count = 0;
    const source = createLinkTokenSource(
      async () => ({ link_token: `link_${++count}` }),
      () => now,
    );
    expect(await Promise.all([source.get(), source.get()])).to.deep.equal(['link_1', 'link_1']);
    source.setExpiry(new Date(now + 60_000).toISOString());
    expect(await source.get()).to.equal('link_1');
    now += 61_000;
    expect(await source.get()).to.equal('link_2');
    expect(count).to.equal(2);
  });

  it('resolves provider logos against the api base origin', () => {
    const token = createLinkTokenSource(async () => ({ link_token: 'link_1' }));
    expect(createWidgetApi({ apiBase: 'http://127.0.0.1:4000', linkToken: token }).resolve('/integrations/logos/x.svg')).to.equal(
      'http://127.0.0.1:4000/integrations/logos/x.svg',
    );
    expect(createWidgetApi({ apiBase: '/kryptos', linkToken: token }).resolve('/integrations/logos/x.svg')).to.equal(
      `${location.origin}/integrations/logos/x.svg`,
    );
  });

  it('the element refreshes silently mid-flow: generateLinkToken called twice, no error shown', async () => {
    fake = installFakeApi(makeSession());
    const { el, gen } = await mount(fake);
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    fake.validTokens.delete('link_1');
    auth.shadowRoot.querySelector<HTMLButtonElement>('button.secondary')!.click();
    await step(el, 'kryptos-integration-step');
    expect(gen.count).to.equal(2);
    expect(fake.widgetCalls('auth/guest').map((c) => c.token)).to.deep.equal(['link_1', 'link_2']);
    el.close();
  });
});
