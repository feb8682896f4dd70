/**
 * Secrets stay in the BFF process (docs/security-model.md T18, T33): the client secret appears in no page
 * or asset the BFF serves, and no token, secret or cookie appears in its logs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { connectThroughWidget, createAgent, partnerCall, startHarness, type Harness } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('no leakage', () => {
  let h: Harness;
  before(async () => {
    // The bundle is checked too: built here (into the ignored dist/) when `npm run build` has not run yet.
    if (!existsSync(`${ROOT}dist/kryptos-connect.js`)) await build({ root: ROOT, configFile: `${ROOT}vite.config.ts`, logLevel: 'warn' });
    h = await startHarness();
  });
  after(() => h.close());

  it('serves the demo pages, and no page or linked asset contains the client secret', async () => {
    const seen = new Set<string>();
    const queue = ['/', '/index.html', '/direct.html', '/strict-csp.html', '/api/demo/config', '/kryptos/kryptos-connect.js'];
    const bodies: string[] = [];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(h.bff.url + path);
      const text = await res.text();
      assert.equal(res.status, 200, path);
      bodies.push(text);
      // Follow every script, stylesheet and module import the pages and scripts link to.
      for (const m of text.matchAll(/(?:src|href)="(\/[^"]*\.(?:js|css))"|from\s*["'](\.{0,2}\/[^"']+\.js)["']|import\(\s*["'](\.{0,2}\/[^"']+\.js)["']/g)) {
        const ref = m[1] ?? m[2] ?? m[3]!;
        queue.push(new URL(ref, h.bff.url + path).pathname);
      }
    }
    assert.ok(seen.has('/app.js') && seen.has('/api.js') && seen.has('/portfolio.js') && seen.has('/demo.css'), [...seen].join(' '));
    for (const body of bodies) {
      assert.ok(!body.includes(h.client.client_secret));
      assert.ok(!body.includes(h.env.BFF_ENCRYPTION_KEY!));
      assert.ok(!body.includes(h.env.BFF_SESSION_SECRET!));
      assert.doesNotMatch(body, /cs_[A-Za-z0-9]{40,}/);
    }
  });

  it('serves the strict-CSP page with its strict policy and the widget with CORP cross-origin', async () => {
    const res = await fetch(`${h.bff.url}/strict-csp.html`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.equal(
      csp,
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: ${h.connect.url}; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    const widget = await fetch(`${h.bff.url}/kryptos/kryptos-connect.js`);
    assert.equal(widget.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.match(widget.headers.get('content-type') ?? '', /javascript/);
  });

  it('logs no token, secret or cookie through a whole flow, its errors included', async () => {
    const agent = createAgent(h.bff.url);
    await agent.login('leak-check');
    const cookie = agent.cookie!;
    const { linkToken, publicToken } = await connectThroughWidget(agent);
    await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } });
    const stored = (await h.bff.ctx.store.find('leak-check'))!;
    await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } }); // reuse → error path
    await agent.call('GET', '/api/kryptos/data/userinfo');
    await agent.call('GET', '/api/kryptos/data/holdings?isSpam=false');
    const resumed = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    await agent.widget('GET', 'session', resumed.json.link_token);
    const foreign = await partnerCall(h, 'POST', '/sandbox/public-token', { scopes: 'openid', user_reference: 'someone-else' });
    await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: foreign.json.data.public_token } });
    await agent.call('DELETE', '/api/kryptos/connection');
    await agent.call('POST', '/api/demo/logout');

    const logs = h.logs.join('\n');
    assert.ok(
      h.logs.some((l) => l.includes('"path":"/api/kryptos/exchange"')),
      'the BFF logged its requests',
    );
    const secrets = {
      client_secret: h.client.client_secret,
      link_token: linkToken,
      resumed_link_token: resumed.json.link_token as string,
      public_token: publicToken!,
      foreign_public_token: foreign.json.data.public_token as string,
      access_token: stored.accessToken,
      cookie: cookie.split('=')[1]!,
      encryption_key: h.env.BFF_ENCRYPTION_KEY!,
      session_secret: h.env.BFF_SESSION_SECRET!,
    };
    for (const [name, value] of Object.entries(secrets)) assert.ok(!logs.includes(value), `${name} appears in the logs`);
    assert.doesNotMatch(logs, /(cat|link|public|cs)_[A-Za-z0-9]{20,}/);
    assert.doesNotMatch(logs, /__Host-kc_session=/);
  });
});
