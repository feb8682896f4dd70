/**
 * The demo partner app as a person sees it, in Chromium against a real connect server and BFF:
 * human scope names and status labels, Intl-formatted numbers (long quantities shortened, exact
 * value in the tooltip, never broken mid-number), nothing that wraps one character per line at
 * 390 px, a dark mode in one palette with the widget, and status texts that are true.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  SANDBOX_ETH,
  connectAsGuest,
  launchBrowser,
  newSession,
  openWidget,
  pickProvider,
  portfolioAccounts,
  portfolioLoaded,
  signIn,
  startStack,
  type Stack,
} from './helpers.ts';

/** Text elements (no element children) of the page whose text runs fewer than 4 characters per line. */
function squeezed(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const node of document.querySelectorAll<HTMLElement>('body *')) {
      if (node.children.length || node.closest('[hidden], dialog:not([open]), kryptos-connect')) continue;
      const text = (node.textContent ?? '').trim();
      if (text.length < 6) continue;
      // Lines of text actually laid out: the distinct tops of the text's line boxes.
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size || 1;
      if (text.length / lines < 4) out.push(`${node.tagName}.${node.className}: "${text.slice(0, 40)}" on ${lines} lines`);
    }
    return out;
  });
}

describe('the demo app', () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('390 px, light and dark: human scope names and labels, formatted numbers, nothing squeezed to one character per line', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, context } = await newSession(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme });
      await signIn(page, stack.origin, `nina-${colorScheme}`);
      await connectAsGuest(page);
      await portfolioAccounts(page, 1);
      await portfolioLoaded(page);
      // The sync finishes, and the page says so (never "syncing" once it is over).
      await page.locator('#message').getByText('Connected. All accounts are synced.').waitFor({ timeout: 30_000 });
      await page.locator('#panel-integrations .badge').getByText('Synced', { exact: true }).waitFor();

      const status = await page.locator('#connection-status').innerText();
      assert.match(status, /Acme Portfolio can see your identity, .*your portfolio.*and .+\./);
      assert.doesNotMatch(status, /openid|portfolios:read|offline_access/);
      const badges = await page.locator('#panel-integrations .badge').allInnerTexts();
      assert.ok(
        badges.every((b) => ['Synced', 'Syncing', 'Waiting to sync', 'Partly synced', 'Sync failed'].includes(b)),
        badges.join(),
      );

      // Quantities: at most 6 significant digits on screen, one line, the exact value in the tooltip when rounded.
      const cells = await page.locator('#panel-holdings td.num .num').evaluateAll((spans) =>
        spans.map((s) => ({
          text: s.textContent ?? '',
          title: s.getAttribute('title'),
          height: s.getBoundingClientRect().height,
          line: parseFloat(getComputedStyle(s).lineHeight),
        })),
      );
      assert.ok(cells.length > 0, 'holdings are shown');
      for (const c of cells) {
        assert.ok(c.text.replace(/[^0-9]/g, '').replace(/^0+/, '').length <= 6 || c.text.includes('$'), `shortened: ${c.text}`);
        assert.ok(c.height <= c.line * 1.5, `one line: ${c.text} (${c.height}px)`);
      }
      const rounded = cells.filter((c) => c.title);
      for (const c of rounded) assert.ok(Number(c.title!.replace(/[^0-9.eE+-]/g, '')) !== 0, `exact value kept: ${c.title}`);

      assert.deepEqual(await squeezed(page), []);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));

      // Dark mode: the page and the widget (theme="auto") in one palette.
      const colours = await page.evaluate(() => ({
        page: getComputedStyle(document.documentElement).backgroundColor,
        accent: getComputedStyle(document.querySelector('main a, footer a')!).color,
      }));
      if (colorScheme === 'dark') assert.deepEqual(colours, { page: 'rgb(10, 10, 10)', accent: 'rgb(66, 255, 208)' });
      else assert.deepEqual(colours, { page: 'rgb(249, 250, 251)', accent: 'rgb(0, 117, 88)' });
      await openWidget(page);
      const dialogBg = await page.locator('kryptos-connect dialog').evaluate((d) => getComputedStyle(d).backgroundColor);
      assert.equal(dialogBg, colorScheme === 'dark' ? 'rgb(10, 10, 10)' : 'rgb(255, 255, 255)');
      await page.keyboard.press('Escape');
      await context.close();
    }
  });

  it('"accounts added" only when some were: re-adding an account already there says no new accounts were added', async () => {
    const { page, context } = await newSession(browser);
    await signIn(page, stack.origin, 'omar');
    await connectAsGuest(page);
    await portfolioAccounts(page, 1);
    await openWidget(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    const step = page.locator('kryptos-connect-step');
    await step.getByLabel('Wallet address').fill(SANDBOX_ETH);
    await step.getByText('Valid EVM address').waitFor();
    await step.getByRole('button', { name: 'Add account' }).click();
    await step.getByText('This account is already connected.').waitFor();
    await step.getByRole('button', { name: 'Continue' }).click();
    await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('#message').getByText('No new accounts were added.').waitFor();
    await context.close();
  });
});
