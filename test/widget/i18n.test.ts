import { aTimeout, expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { KryptosConnect } from '../../widget/index.ts';
import '../../widget/index.ts';
import { en } from '../../widget/i18n/en.ts';
import { LANGUAGES, loadStrings, toLanguage } from '../../widget/i18n/load.ts';
import { installFakeApi, mount, step, $, guestToAccounts, tokenProvider, type FakeApi } from './helpers.ts';

let fake: FakeApi;
afterEach(() => fake?.restore());

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/**
 * Values that are the same word in English and that language (a product name, loanwords the language
 * really uses). Anything else equal to the English value is a string left untranslated.
 */
const SAME_AS_ENGLISH: Record<string, string[]> = {
  dialogLabel: ['fr', 'de', 'pt', 'sv', 'es', 'pl', 'it'], // "Kryptos Connect", the product's name
  tabBlockchains: ['fr', 'de', 'pt', 'es'],
  tabWallets: ['de'],
  tabExchanges: ['es'],
};

describe('i18n', () => {
  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language} has exactly the keys of en, non-empty, with the same placeholders`, async () => {
      const mod = (await import(`../../widget/i18n/${language}.ts`)) as { strings: Record<string, string> };
      expect(Object.keys(mod.strings).sort()).to.deep.equal(Object.keys(en).sort());
      const english: string[] = [];
      for (const [key, value] of Object.entries(mod.strings)) {
        expect(value.trim(), `${language}.${key}`).not.to.equal('');
        expect(placeholders(value), `${language}.${key}`).to.deep.equal(placeholders(en[key as keyof typeof en]));
        if (value === en[key as keyof typeof en] && !SAME_AS_ENGLISH[key]?.includes(language)) english.push(key);
      }
      expect(english, `${language}: keys left in English`).to.deep.equal([]);
      expect(mod.strings.locale).to.equal(language);
    });
  }

  it('scope descriptions, provider guides and errors are widget strings (translated), with English only as the key set', () => {
    const keys = Object.keys(en);
    for (const scope of ['openid', 'profile', 'email', 'offline_access', 'portfolios:read', 'transactions:read', 'tax:read', 'reports:write']) {
      expect(keys, scope).to.include(`scope_${scope}`);
    }
    expect(keys).to.include.members(['guideChain', 'guideWallet', 'guideExchange', 'errSandboxProvider', 'errRemove', 'attemptsLeftOther']);
  });

  it('French consent: grouped sentences and what they cover are French, including the server-described scopes', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake, { language: 'fr' });
    await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Se connecter'), 'French');
    const accounts = await guestToAccounts(el);
    $<HTMLButtonElement>(accounts, 'button.primary').click();
    const consent = await step(el, 'kryptos-consent-step');
    const text = consent.shadowRoot.textContent!.replace(/\s+/g, ' ');
    expect(text)
      .to.contain('Savoir qui vous êtes')
      .and.contain('Voir votre portefeuille et vos transactions')
      .and.contain('Avoirs, positions DeFi et NFT et historique des transactions');
    expect(text).not.to.contain('See your').and.not.to.contain('Confirm your identity');
    el.close();
  });

  it('with no language set, the widget speaks the browser’s language when it is one of the 8, and follows a change', async () => {
    const real = Object.getOwnPropertyDescriptor(Navigator.prototype, 'languages')!;
    const prefer = (languages: string[]) => {
      Object.defineProperty(navigator, 'languages', { value: languages, configurable: true });
      window.dispatchEvent(new Event('languagechange'));
    };
    try {
      prefer(['pl-PL', 'en-US']);
      fake = installFakeApi();
      const el = await fixture<KryptosConnect>(html`<kryptos-connect .generateLinkToken=${tokenProvider(fake)}></kryptos-connect>`);
      await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Połącz z Kryptos'), 'Polish from the browser');
      void el.open();
      await step(el, 'kryptos-email-step');
      expect(el.shadowRoot!.querySelector('dialog')!.lang).to.equal('pl');
      el.close();
      prefer(['ja-JP', 'sv-SE']);
      await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Anslut med Kryptos'), 'Swedish, the first of the 8');
      prefer(['ja-JP', 'zh-CN']);
      await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Connect with Kryptos'), 'English otherwise');
      // A language set on the element wins over the browser's.
      el.language = 'it';
      await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Connetti con Kryptos'), 'Italian');
      prefer(['de-DE']);
      await aTimeout(50);
      expect(el.shadowRoot!.querySelector('[part=button]')!.textContent).to.contain('Connetti con Kryptos');
    } finally {
      delete (navigator as unknown as Record<string, unknown>).languages;
      Object.defineProperty(Navigator.prototype, 'languages', real);
    }
  });

  it('normalises languages and falls back to English', async () => {
    expect(toLanguage('fr-CA')).to.equal('fr');
    expect(toLanguage('xx')).to.equal('en');
    expect(await loadStrings('en')).to.equal(en);
  });

  it('language="fr" renders French strings on the button and in the flow', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake, { language: 'fr' });
    await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Se connecter avec Kryptos'), 'French button');
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    expect(auth.shadowRoot.textContent).to.contain('Continuer en tant qu’invité');
    expect($(auth, 'label').textContent).to.equal('Adresse e-mail');
    expect(el.shadowRoot!.querySelector('dialog')!.lang).to.equal('fr');
    expect(el.shadowRoot!.querySelector('[part=close-button]')!.getAttribute('aria-label')).to.equal('Fermer');
    el.close();
  });

  it('switching language at runtime updates the strings', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    el.language = 'de';
    await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Mit Kryptos verbinden'));
    el.language = 'en';
    await waitUntil(() => el.shadowRoot!.querySelector('[part=button]')!.textContent!.includes('Connect with Kryptos'));
  });
});
