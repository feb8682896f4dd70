import { expect, fixture, html } from '@open-wc/testing';
import { setViewport, emulateMedia } from '@web/test-runner-commands';
import '../../widget/index.ts';
import type { KryptosConnect } from '../../widget/index.ts';
import { installFakeApi, mount, step, type FakeApi } from './helpers.ts';

let fake: FakeApi;
afterEach(async () => {
  fake?.restore();
  await emulateMedia({ colorScheme: 'light' });
  await setViewport({ width: 800, height: 600 });
});

const v = (el: Element, name: string) => getComputedStyle(el).getPropertyValue(name).trim();

describe('theming', () => {
  it('light defaults', async () => {
    const el = await fixture<KryptosConnect>(html`<kryptos-connect></kryptos-connect>`);
    expect(v(el, '--kc-primary')).to.equal('#00c693');
    expect(v(el, '--kc-bg-primary')).to.equal('#ffffff');
    expect(v(el, '--kc-text-primary')).to.equal('#1f2937');
    expect(v(el, '--kc-border')).to.equal('#e5e7eb');
    expect(v(el, '--kc-primary-hover')).to.equal('#007558');
  });

  it('dark defaults', async () => {
    const el = await fixture<KryptosConnect>(html`<kryptos-connect theme="dark"></kryptos-connect>`);
    expect(v(el, '--kc-primary')).to.equal('#00c693');
    expect(v(el, '--kc-bg-primary')).to.equal('#0a0a0a');
    expect(v(el, '--kc-text-primary')).to.equal('#f6f6f8');
    expect(v(el, '--kc-border')).to.equal('#334155');
    expect(v(el, '--kc-primary-hover')).to.equal('#42ffd0');
  });

  it('theme="auto" follows prefers-color-scheme', async () => {
    const el = await fixture<KryptosConnect>(html`<kryptos-connect theme="auto"></kryptos-connect>`);
    await emulateMedia({ colorScheme: 'dark' });
    expect(v(el, '--kc-bg-primary')).to.equal('#0a0a0a');
    await emulateMedia({ colorScheme: 'light' });
    expect(v(el, '--kc-bg-primary')).to.equal('#ffffff');
  });

  it('a page override wins over the defaults and reaches the dialog', async () => {
    const style = document.createElement('style');
    style.textContent = 'kryptos-connect.branded { --kc-primary: #123456; --kc-bg-primary: rgb(1, 2, 3); }';
    document.head.append(style);
    fake = installFakeApi();
    try {
      const { el } = await mount(fake, { theme: 'dark' });
      el.classList.add('branded');
      expect(v(el, '--kc-primary')).to.equal('#123456');
      void el.open();
      await step(el, 'kryptos-email-step');
      expect(getComputedStyle(el.shadowRoot!.querySelector('dialog')!).backgroundColor).to.equal('rgb(1, 2, 3)');
      el.close();
    } finally {
      style.remove();
    }
  });

  it('exposes ::part hooks', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake);
    void el.open();
    await step(el, 'kryptos-email-step');
    for (const part of ['button', 'dialog', 'header', 'body', 'footer', 'close-button']) {
      expect(el.shadowRoot!.querySelector(`[part~="${part}"]`), part).to.exist;
    }
    expect(el.shadowRoot!.querySelector('kryptos-email-step')!.getAttribute('exportparts')).to.contain('primary-button');
    el.close();
  });

  for (const [width, height] of [
    [360, 640],
    [390, 844],
  ] as const) {
    it(`the dialog is full-screen and usable at ${width}×${height}`, async () => {
      await setViewport({ width, height });
      fake = installFakeApi();
      const { el } = await mount(fake);
      void el.open();
      const auth = await step(el, 'kryptos-email-step');
      const dialog = el.shadowRoot!.querySelector('dialog')!;
      await Promise.all(dialog.getAnimations().map((a) => a.finished));
      const box = dialog.getBoundingClientRect();
      expect([box.left, box.top, Math.round(box.width), Math.round(box.height)]).to.deep.equal([0, 0, width, height]);
      const buttons = [...auth.shadowRoot.querySelectorAll('button')];
      for (const b of buttons) {
        const r = b.getBoundingClientRect();
        expect(r.right).to.be.at.most(width);
        expect(r.height).to.be.at.least(44);
      }
      expect(document.documentElement.scrollWidth).to.be.at.most(width);
      el.close();
    });
  }
});
