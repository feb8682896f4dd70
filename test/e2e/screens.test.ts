/**
 * Every screen of the flow, in light, dark and phone size: axe-core finds no violation on the
 * widget (its shadow roots included), and a viewport screenshot of each screen is written to
 * `<dir>/<screen>-<variant>.png`. In `npm test` the folder is `test-results/screenshots/` (ignored
 * by git: a test run never rewrites a tracked file); `npm run screenshots` sets
 * KC_SCREENSHOTS_DIR=docs/screenshots to regenerate the committed pictures (docs/screenshots/README.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import {
  ROOT,
  SANDBOX_ETH,
  SANDBOX_SOL,
  addAnotherAccount,
  continueFromAccounts,
  dialog,
  latestCode,
  launchBrowser,
  newSession,
  openWidget,
  pickProvider,
  portfolioLoaded,
  signIn,
  startStack,
  type Stack,
} from './helpers.ts';

const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const SHOTS = resolve(ROOT, process.env.KC_SCREENSHOTS_DIR ?? join('test-results', 'screenshots'));
/** Regenerating the committed pictures is the one run allowed to write to a tracked folder. */
const REGENERATING = resolve(ROOT, 'docs', 'screenshots') === SHOTS;

type Variant = { name: 'light' | 'dark' | 'mobile'; theme: 'light' | 'dark'; options: BrowserContextOptions };
const VARIANTS: Variant[] = [
  { name: 'light', theme: 'light', options: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' } },
  { name: 'dark', theme: 'dark', options: { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' } },
  { name: 'mobile', theme: 'light', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
];

type AxeNode = { target: unknown[]; failureSummary?: string };
type AxeOutcome = { violations: { id: string; nodes: AxeNode[] }[]; passes: { id: string; nodes: AxeNode[] }[] };

/** axe on `<kryptos-connect>`; returns the violations and how deep into shadow roots it looked. */
async function axe(page: Page): Promise<{ violations: string[]; depth: number }> {
  const result = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(el: Element, o: object): Promise<AxeOutcome> } };
    const r = await w.axe.run(document.querySelector('kryptos-connect')!, { resultTypes: ['violations'] });
    return { violations: r.violations, passes: r.passes };
  });
  // A node inside shadow roots has a target like [["kryptos-connect", "kryptos-email-step", "#email"]].
  const depth = Math.max(0, ...result.passes.flatMap((p) => p.nodes.map((n) => (Array.isArray(n.target[0]) ? (n.target[0] as unknown[]).length : 1))));
  const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' | ')} ${v.nodes[0]?.failureSummary ?? ''}`);
  return { violations, depth };
}

describe('screens: axe-core and screenshots in light, dark and phone size', () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    if (!REGENERATING) {
      // git says the folder is ignored: this run cannot change a tracked file.
      const ignored = spawnSync('git', ['check-ignore', '-q', join(SHOTS, 'probe.png')], { cwd: ROOT });
      assert.equal(ignored.status, 0, `${SHOTS} must be ignored by git (tests write only to ignored folders)`);
    }
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const variant of VARIANTS) {
    it(`${variant.name}: every screen passes axe and is captured`, async () => {
      // bypassCSP only so axe can be injected as an inline script; the page's own CSP is tested elsewhere.
      const { page, context } = await newSession(browser, { ...variant.options, reducedMotion: 'reduce', bypassCSP: true });
      const failures: string[] = [];
      const screen = async (name: string, inWidget = true) => {
        // Let images and fonts settle before measuring colours and taking the picture.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        if (inWidget) {
          const { violations, depth } = await axe(page);
          failures.push(...violations.map((v) => `${name}/${variant.name}: ${v}`));
          assert.ok(depth >= (name === 'button' ? 2 : 3), `${name}: axe did not look inside the shadow roots (depth ${depth})`);
        }
        await page.screenshot({ path: join(SHOTS, `${name}-${variant.name}.png`), animations: 'disabled', caret: 'hide' });
      };

      const user = `shots-${variant.name}`;
      await signIn(page, stack.origin, user);
      await page.addScriptTag({ path: AXE });
      await page.locator('kryptos-connect').evaluate((el, theme) => el.setAttribute('theme', theme), variant.theme);
      await screen('button');

      await openWidget(page);
      const email = `${user}-${Date.now()}@example.com`;
      await page.getByLabel('Email address').waitFor();
      await screen('sign-in');
      await page.getByLabel('Email address').fill(email);
      await page.locator('kryptos-email-step').getByRole('button', { name: 'Continue', exact: true }).click();

      await page.getByLabel('6-digit code').waitFor();
      // A wrong code first: the screen then says how many attempts are left.
      const code = await latestCode(stack, email);
      await page.getByLabel('6-digit code').fill(code === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('kryptos-code-step').getByText('4 attempts left.').waitFor();
      await screen('code');
      await page.getByLabel('6-digit code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();

      await page.locator('kryptos-integration-step button[data-provider="ethereum"]').waitFor();
      await screen('picker');
      await pickProvider(page, 'ethereum', 'Ethereum');

      const connect = page.locator('kryptos-connect-step');
      await connect.getByLabel('Wallet address').fill(SANDBOX_ETH);
      await connect.getByText('Valid EVM address').waitFor();
      await screen('connect');
      await connect.getByRole('button', { name: 'Add account' }).click();

      await page.getByRole('heading', { name: 'Accounts to share' }).waitFor();
      await addAnotherAccount(page, 'solana', 'Solana', SANDBOX_SOL, 'SOLANA');
      await screen('accounts');
      await continueFromAccounts(page);

      await page.locator('kryptos-consent-step').getByRole('button', { name: 'Allow access' }).waitFor();
      await screen('consent');
      await page.locator('kryptos-consent-step').getByRole('button', { name: 'Allow access' }).click();

      await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
      await page.locator('kryptos-status-step .summary').getByText('Sync finished.').waitFor({ timeout: 30_000 });
      await screen('success');
      await page.getByRole('button', { name: 'Done' }).click();
      await dialog(page).waitFor({ state: 'hidden' });

      await page.locator('#panel-integrations li').first().waitFor();
      await portfolioLoaded(page);
      await screen('portfolio', false);

      assert.deepEqual(failures, []);
      await context.close();
    });
  }
});
