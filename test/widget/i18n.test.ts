import { expect, waitUntil } from '@open-wc/testing';
import '../../widget/index.ts';
import { en } from '../../widget/i18n/en.ts';
import { LANGUAGES, loadStrings, toLanguage } from '../../widget/i18n/load.ts';
import { installFakeApi, mount, step, $, type FakeApi } from './helpers.ts';

let fake: FakeApi;
afterEach(() => fake?.restore());

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language} has exactly the keys of en, non-empty, with the same placeholders`, async () => {
      const mod = (await import(`../../widget/i18n/${language}.ts`)) as { strings: Record<string, string> };
      expect(Object.keys(mod.strings).sort()).to.deep.equal(Object.keys(en).sort());
      for (const [key, value] of Object.entries(mod.strings)) {
        expect(value.trim(), `${language}.${key}`).not.to.equal('');
        expect(placeholders(value), `${language}.${key}`).to.deep.equal(placeholders(en[key as keyof typeof en]));
      }
    });
  }

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
