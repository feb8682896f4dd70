import { expect, waitUntil } from '@open-wc/testing';
import { setViewport, emulateMedia } from '@web/test-runner-commands';
import '../../widget/index.ts';
import type { KryptosConnect } from '../../widget/index.ts';
import { installFakeApi, makeSession, mount, step, $, guestToAccounts, animationsSettled, type FakeApi, type StepNode } from './helpers.ts';

let fake: FakeApi;
afterEach(async () => {
  fake?.restore();
  await emulateMedia({ colorScheme: 'light' });
  await setViewport({ width: 800, height: 600 });
});

const box = (el: Element) => {
  const r = el.getBoundingClientRect();
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
};
const dialogOf = (el: KryptosConnect) => el.shadowRoot!.querySelector('dialog')!;
const bodyOf = (el: KryptosConnect) => el.shadowRoot!.querySelector<HTMLElement>('.body')!;

/** `inner` is entirely inside the visible part of the dialog body (no scrolling needed to see it). */
function inView(el: KryptosConnect, inner: Element, what: string) {
  const body = bodyOf(el).getBoundingClientRect();
  const r = inner.getBoundingClientRect();
  expect(r.height, `${what} is rendered`).to.be.greaterThan(0);
  expect(r.top, `${what} top`).to.be.at.least(body.top - 0.5);
  expect(r.bottom, `${what} bottom (body ends at ${body.bottom})`).to.be.at.most(body.bottom + 0.5);
}

/** Walks the whole guest flow, calling `at` on every step once it is shown and settled. */
async function walk(el: KryptosConnect, at: (name: string, node: StepNode) => Promise<void> | void) {
  void el.open();
  const auth = await step(el, 'kryptos-email-step');
  await animationsSettled(el);
  await at('sign-in', auth);
  const accounts = await guestToAccounts(el);
  await animationsSettled(el);
  await at('accounts', accounts);
  $<HTMLButtonElement>(accounts, 'button.primary').click();
  const consent = await step(el, 'kryptos-consent-step');
  await animationsSettled(el);
  await at('consent', consent);
  $<HTMLButtonElement>(consent, 'button.primary').click();
  const status = await step(el, 'kryptos-status-step');
  await animationsSettled(el);
  await at('success', status);
}

describe('frame and motion', () => {
  it('desktop 1280×800: one fixed frame for every step — same size and place, never re-centred', async () => {
    await setViewport({ width: 1280, height: 800 });
    fake = installFakeApi();
    const { el } = await mount(fake);
    const boxes: Record<string, ReturnType<typeof box>> = {};
    await walk(el, (name) => void (boxes[name] = box(dialogOf(el))));
    const first = boxes['sign-in']!;
    expect(first.width).to.equal(420);
    for (const [name, b] of Object.entries(boxes)) expect(b, name).to.deep.equal(first);
    expect(first.x).to.equal((1280 - 420) / 2);
  });

  it('steps change with a short transition (and none when the user prefers reduced motion)', async () => {
    await setViewport({ width: 1280, height: 800 });
    fake = installFakeApi();
    const { el } = await mount(fake);
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    const durations = auth.getAnimations().map((a) => a.effect!.getComputedTiming().duration as number);
    expect(durations.length).to.be.greaterThan(0);
    for (const d of durations) expect(d).to.be.within(100, 250);
    el.close();
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      void el.open();
      const again = await step(el, 'kryptos-email-step');
      expect(again.getAnimations()).to.have.length(0);
      el.close();
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
  });

  it('phone 390×844: a full-screen sheet whose primary button stays pinned at the bottom while the list scrolls', async () => {
    await setViewport({ width: 390, height: 844 });
    fake = installFakeApi();
    const { el } = await mount(fake);
    await walk(el, (name, node) => {
      expect(box(dialogOf(el)), name).to.deep.equal({ x: 0, y: 0, width: 390, height: 844 });
      const actions = node.shadowRoot.querySelector('.actions');
      expect(actions?.querySelector('[part=primary-button]'), `${name}: the primary button is in the action bar`).to.exist;
      const bottom = actions!.getBoundingClientRect().bottom;
      const bodyBottom = bodyOf(el).getBoundingClientRect().bottom;
      // Pinned: at the bottom of the sheet's body (its padding below), not up under the content.
      expect(bodyBottom - bottom, `${name}: the action bar at the bottom`).to.be.within(0, 24);
    });
  });

  it('phone: the picker list fills the sheet height and scrolls by itself (search and tabs stay)', async () => {
    await setViewport({ width: 390, height: 844 });
    const many = Array.from({ length: 30 }, (_, i) => ({
      id: `chain${i}`,
      name: `chain${i}`,
      publicName: `Chain ${String(i).padStart(2, '0')}`,
      logo: null,
      type: 'blockchain',
      credentialFields: [{ name: 'address' as const, label: 'Address', required: true, secret: false }],
      chains: [],
      sandboxAllowed: true,
    }));
    fake = installFakeApi(makeSession(), many);
    const { el } = await mount(fake);
    void el.open();
    $<HTMLButtonElement>(await step(el, 'kryptos-email-step'), 'button.secondary').click();
    const picker = await step(el, 'kryptos-integration-step');
    await animationsSettled(el);
    const list = $(picker, '.list');
    expect(list.scrollHeight).to.be.greaterThan(list.clientHeight);
    expect(bodyOf(el).scrollHeight).to.be.at.most(bodyOf(el).clientHeight + 1);
    const bodyBottom = bodyOf(el).getBoundingClientRect().bottom;
    expect(bodyBottom - list.getBoundingClientRect().bottom).to.be.within(0, 24);
    list.scrollTop = 400;
    inView(el, $(picker, '#search'), 'search');
  });

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    it(`consent at ${width}×${height}: the accounts and "Allow access" are in view without scrolling`, async () => {
      await setViewport({ width, height });
      fake = installFakeApi(
        makeSession({
          scopes: [
            'openid',
            'profile',
            'offline_access',
            'email',
            'portfolios:read',
            'transactions:read',
            'integrations:read',
            'tax:read',
            'accounting:read',
            'reports:read',
            'workspace:read',
            'users:read',
          ].map((scope) => ({ scope, description: scope, required: scope === 'openid' })),
        }),
      );
      const { el } = await mount(fake);
      await walk(el, (name, node) => {
        if (name !== 'consent') return;
        expect(bodyOf(el).scrollTop).to.equal(0);
        inView(el, $(node, '.shared'), 'accounts shared');
        for (const row of node.shadowRoot.querySelectorAll('.shared .account')) inView(el, row, 'account row');
        inView(el, $(node, '[part=primary-button]'), 'Allow access');
      });
    });
  }

  it('every wait shows a spinner: starting, signing in, adding, allowing', async () => {
    fake = installFakeApi();
    const gates: Record<string, () => void> = {};
    const slow = ['widget/session', 'widget/auth/guest', 'widget/integrations', 'widget/consent'];
    const original = window.fetch;
    window.fetch = async (input, init) => {
      const path = new URL(String(input), location.href).pathname.replace(/^\/(kryptos\/)?/, '');
      if ((slow.includes(path) && (init?.method ?? 'GET') !== 'GET') || path === 'widget/session') await new Promise<void>((r) => (gates[path] = r));
      return original(input, init);
    };
    try {
      const { el } = await mount(fake);
      void el.open();
      await waitUntil(() => gates['widget/session'], 'session pending');
      expect(el.shadowRoot!.querySelector('.body [role=status] .spinner'), 'start').to.exist;
      gates['widget/session']!();
      const auth = await step(el, 'kryptos-email-step');
      $<HTMLButtonElement>(auth, 'button.secondary').click();
      await waitUntil(() => gates['widget/auth/guest'], 'guest pending');
      await auth.updateComplete;
      expect($(auth, 'button.secondary').getAttribute('aria-busy')).to.equal('true');
      expect($(auth, 'button.secondary .spinner')).to.exist;
      gates['widget/auth/guest']!();
      await step(el, 'kryptos-integration-step');
    } finally {
      window.fetch = original;
    }
  });
});

describe('theme', () => {
  it('theme="auto" follows prefers-color-scheme live, while the dialog is open, down into the steps', async () => {
    fake = installFakeApi();
    const { el } = await mount(fake, { theme: 'auto' });
    void el.open();
    const auth = await step(el, 'kryptos-email-step');
    await animationsSettled(el);
    const colours = () => [getComputedStyle(dialogOf(el)).backgroundColor, getComputedStyle($(auth, 'h2')).color];
    await emulateMedia({ colorScheme: 'light' });
    expect(colours()).to.deep.equal(['rgb(255, 255, 255)', 'rgb(31, 41, 55)']);
    await emulateMedia({ colorScheme: 'dark' });
    expect(colours()).to.deep.equal(['rgb(10, 10, 10)', 'rgb(246, 246, 248)']);
    await emulateMedia({ colorScheme: 'light' });
    expect(colours()).to.deep.equal(['rgb(255, 255, 255)', 'rgb(31, 41, 55)']);
    el.close();
  });
});
