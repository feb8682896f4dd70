/**
 * A phone-sized run (390×844: the dialog takes the whole screen) and a keyboard-only run (from
 * the demo's button to success with Tab / Enter / Space / Escape and typing — no clicks).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  SANDBOX_ETH,
  addAddress,
  allowAccess,
  continueAsGuest,
  continueFromAccounts,
  dialog,
  finishAndWaitConnected,
  launchBrowser,
  newSession,
  openWidget,
  pickProvider,
  portfolioAccounts,
  portfolioLoaded,
  recorded,
  signIn,
  startStack,
  type Stack,
} from './helpers.ts';

type Focused = { tag: string; id: string; text: string; cls: string; provider: string | null; inDialog: boolean };

/** The element that really has focus, through shadow roots. */
function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const e = el as HTMLElement | null;
    let inDialog = false;
    for (let n: Node | null = e; n; n = (n as Element).parentNode ?? (n as ShadowRoot).host ?? null) {
      if (n.nodeName === 'DIALOG') inDialog = true;
    }
    return {
      tag: e?.tagName ?? '',
      id: e?.id ?? '',
      text: (e?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      cls: e?.className ?? '',
      provider: e?.getAttribute('data-provider') ?? null,
      inDialog,
    };
  });
}

/** Presses Tab until `want` matches the focused element (at most 40 times). */
async function tabTo(page: Page, want: (f: Focused) => boolean, what: string): Promise<Focused> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    const f = await focused(page);
    if (want(f)) return f;
    seen.push(`${f.tag}#${f.id}.${f.cls}:${f.text.slice(0, 30)}`);
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${what}; focus went through: ${seen.join(' → ')}`);
}

/** Waits (without acting) until the focused element matches. */
async function focusSettles(page: Page, want: (f: Focused) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (want(await focused(page))) return;
    await page.waitForTimeout(50);
  }
  assert.fail(`focus did not move to ${what}: ${JSON.stringify(await focused(page))}`);
}

/** The step and the dialog body do not scroll sideways. */
async function fitsWidth(page: Page, step: string): Promise<void> {
  await page.locator(step).waitFor();
  const overflow = await page.locator('kryptos-connect .body').evaluate((body) => body.scrollWidth - body.clientWidth);
  assert.ok(overflow <= 0, `${step}: the dialog scrolls sideways by ${overflow}px`);
}

const isTrigger = (f: Focused) => f.tag === 'BUTTON' && f.cls.includes('trigger');
const button = (label: string) => (f: Focused) => f.tag === 'BUTTON' && f.text === label;

describe('phone layout and keyboard only', () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('390×844: the dialog is full screen without horizontal scrolling, and the flow completes', async () => {
    const { page, context } = await newSession(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signIn(page, stack.origin, 'mia');
    await openWidget(page);
    await continueAsGuest(page);
    const box = await dialog(page).boundingBox();
    assert.deepEqual(box && { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) }, {
      x: 0,
      y: 0,
      width: 390,
      height: 844,
    });
    await fitsWidth(page, 'kryptos-integration-step');
    await pickProvider(page, 'ethereum', 'Ethereum');
    await fitsWidth(page, 'kryptos-connect-step');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await fitsWidth(page, 'kryptos-accounts-step');
    await continueFromAccounts(page);
    await fitsWidth(page, 'kryptos-consent-step');
    await allowAccess(page);
    await fitsWidth(page, 'kryptos-status-step');
    await finishAndWaitConnected(page);
    await portfolioAccounts(page, 1);
    await portfolioLoaded(page);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the demo page (portfolio panels included) fits 390 px');
    await context.close();
  });

  it('keyboard only: Tab / Enter / Space / Escape and typing take the user from the button to success', async () => {
    const { page, context } = await newSession(browser);
    await signIn(page, stack.origin, 'kim');
    // From here on: only page.keyboard.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(page, isTrigger, 'the Connect button');
    await page.keyboard.press('Enter');
    await focusSettles(page, (f) => f.tag === 'INPUT' && f.id === 'email', 'the email field');

    // Escape closes and hands focus back to the button; the page hears an AbortError.
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'hidden' });
    await focusSettles(page, isTrigger, 'the Connect button after Escape');
    // connect-error is dispatched as the dialog closes; on a busy machine it may land a frame after the focus.
    await page
      .waitForFunction(() => (globalThis as unknown as { __kc: { errors: unknown[] } }).__kc.errors.length > 0, undefined, { timeout: 5000 })
      .catch(() => undefined);
    assert.deepEqual((await recorded(page)).errors, [{ name: 'AbortError', code: 'USER_CLOSED' }]);

    await page.keyboard.press('Space');
    await focusSettles(page, (f) => f.tag === 'INPUT' && f.id === 'email', 'the email field');
    await tabTo(page, button('Continue as guest'), 'Continue as guest');
    await page.keyboard.press('Enter');

    await focusSettles(page, (f) => f.tag === 'INPUT' && f.id === 'search', 'the search field');
    await page.keyboard.type('Ethereum');
    await tabTo(page, (f) => f.provider === 'ethereum', 'the Ethereum entry');
    await page.keyboard.press('Enter');

    await focusSettles(page, (f) => f.tag === 'INPUT' && f.id === 'address', 'the address field');
    await page.keyboard.type(SANDBOX_ETH);
    await page.locator('kryptos-connect-step').getByText('Valid EVM address').waitFor();
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Accounts to share' }).waitFor();
    await tabTo(page, button('Continue'), 'Continue');
    await page.keyboard.press('Enter');

    await page.locator('kryptos-consent-step').waitFor();
    const consentFocus = await focused(page);
    assert.equal(consentFocus.tag, 'H2', 'the consent heading takes focus');
    await tabTo(page, button('Allow access'), 'Allow access');
    await page.keyboard.press('Space');

    await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
    const f = await tabTo(page, button('Done'), 'Done');
    assert.ok(f.inDialog);
    await page.keyboard.press('Enter');
    await dialog(page).waitFor({ state: 'hidden' });
    await focusSettles(page, isTrigger, 'the button after Done');
    await page.locator('#connection-status .badge.ok').waitFor();
    assert.deepEqual((await recorded(page)).success, [{ public_token: 'public_…' }]);
    await context.close();
  });
});
