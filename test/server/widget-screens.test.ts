/**
 * What the widget's screens are built from, over real HTTP: the partner's privacy policy and terms
 * links (admin API → `GET /widget/session`), our own legal pages, the brand icons of the catalogue,
 * display names (never ids) in sandbox refusals, and the EIP-55 checksum refusal the widget words.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, linkToken, newClient, SANDBOX_ETH, startTestServer, widget, type TestServer } from './helpers.ts';
import { expectError } from './security/support.ts';
import { PROVIDERS } from '../../server/catalogue.ts';
import { BRANDED_PROVIDERS } from '../../server/provider-icons.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };

describe('widget screens: links, legal pages, icons, wording', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('privacy_policy_url and terms_url: set by the admin API, shown by /admin/clients, exposed in GET /widget/session with our legal pages', async () => {
    const created = await call(server, 'POST', '/admin/clients', {
      headers: ADMIN,
      body: { name: 'Linked', privacy_policy_url: 'https://linked.example/privacy', terms_url: 'https://linked.example/terms' },
    });
    assert.equal(created.status, 201);
    const id = created.body.data.client_id as string;
    const shown = await call(server, 'GET', `/admin/clients/${id}`, { headers: ADMIN });
    assert.equal(shown.body.data.privacy_policy_url, 'https://linked.example/privacy');
    assert.equal(shown.body.data.terms_url, 'https://linked.example/terms');
    const patched = await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { terms_url: null } });
    assert.equal(patched.body.data.terms_url, null);
    expectError(
      await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { privacy_policy_url: 'javascript:alert(1)' } }),
      'INVALID_REQUEST',
    );
    expectError(await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { terms_url: 'not a url' } }), 'INVALID_REQUEST');
    assert.equal((await call(server, 'GET', `/admin/clients/${id}`, { headers: ADMIN })).body.data.terms_url, null, 'a refused update writes nothing');

    const client = await newClient(server, { name: 'Linked too', privacy_policy_url: 'https://two.example/privacy', terms_url: 'https://two.example/terms' });
    const session = await widget(server, (await linkToken(server, client)).link_token)('GET', '/session');
    assert.deepEqual(session.body.data.client, {
      name: 'Linked too',
      logo_url: null,
      privacy_policy_url: 'https://two.example/privacy',
      terms_url: 'https://two.example/terms',
    });
    assert.deepEqual(session.body.data.legal, { privacy_policy_url: `${server.url}/legal/privacy`, terms_url: `${server.url}/legal/terms` });
  });

  test('GET /legal/privacy and /legal/terms: HTML pages from docs/legal with their stylesheet; anything else is 404', async () => {
    for (const [path, heading] of [
      ['/legal/privacy', 'Privacy policy'],
      ['/legal/terms', 'Terms of service'],
    ] as const) {
      const page = await call(server, 'GET', path);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(String(page.body), new RegExp(`<h1>${heading}</h1>`));
      assert.match(String(page.body), /<link rel="stylesheet" href="\/legal\/legal.css">/);
    }
    const css = await call(server, 'GET', '/legal/legal.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    expectError(await call(server, 'GET', '/legal/secrets'), 'NOT_FOUND');
    expectError(await call(server, 'GET', '/legal/..%2fpackage.json'), 'NOT_FOUND');
  });

  test('every provider of the catalogue has its brand icon (not the monogram); unknown ids are 404', async () => {
    assert.deepEqual(
      PROVIDERS.map((p) => p.id).filter((id) => !BRANDED_PROVIDERS.includes(id)),
      [],
    );
    for (const p of PROVIDERS) {
      const logo = await call(server, 'GET', `/integrations/logos/${p.id}.svg`);
      assert.equal(logo.status, 200, p.id);
      assert.match(logo.headers.get('content-type') ?? '', /^image\/svg\+xml/);
      const svg = String(logo.body);
      assert.match(svg, /^<svg[^>]*class="web3icons"/, `${p.id}: the @web3icons/core icon`);
      assert.doesNotMatch(svg, /<text/, `${p.id}: not a monogram`);
      assert.doesNotMatch(svg, /<script|on\w+=/i, `${p.id}: no script in an icon`);
    }
    expectError(await call(server, 'GET', '/integrations/logos/unknown.svg'), 'NOT_FOUND');
    expectError(await call(server, 'GET', '/integrations/logos/constructor.svg'), 'NOT_FOUND');
  });

  test('sandbox refusals name providers by display name ("Sandbox mode only allows: Ethereum, Solana"), never by id', async () => {
    const client = await newClient(server, { name: 'Sandboxed' });
    const w = widget(server, (await linkToken(server, client)).link_token);
    await w('POST', '/auth/guest', {});
    const refused = await w('POST', '/integrations', { provider: 'metamask', address: SANDBOX_ETH });
    expectError(refused, 'SANDBOX_PROVIDER_NOT_ALLOWED');
    assert.equal(refused.body.error, 'Sandbox mode only allows: Ethereum, Solana (not MetaMask)');
    const session = await w('GET', '/session');
    assert.deepEqual(session.body.data.sandbox_rules.provider_names, { ethereum: 'Ethereum', solana: 'Solana' });
  });

  test('a wrong EIP-55 checksum is INVALID_ADDRESS with checksum_ok: false (a malformed address has no such field)', async () => {
    const client = await newClient(server, { name: 'Checksums' });
    const w = widget(server, (await linkToken(server, client)).link_token);
    const flipped = '0x47c2E31E9ce22437BCF6313D2b9e98245A7bfcFA';
    const checked = await w('POST', '/address/chains', { address: flipped });
    expectError(checked, 'INVALID_ADDRESS');
    assert.equal(checked.body.checksum_ok, false);
    const malformed = await w('POST', '/address/chains', { address: '0x1234' });
    expectError(malformed, 'INVALID_ADDRESS');
    assert.equal(malformed.body.checksum_ok, undefined);
    await w('POST', '/auth/guest', {});
    const added = await w('POST', '/integrations', { provider: 'ethereum', address: flipped });
    expectError(added, 'INVALID_ADDRESS');
    assert.equal(added.body.checksum_ok, false);
  });
});
