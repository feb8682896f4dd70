/**
 * The BFF against a misbehaving connect server (a fake on 127.0.0.1): redirects are never
 * followed (credentials stay put), slow answers time out, refused client credentials are
 * not blamed on the browser's user.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bffEnv, captureLogs, createAgent } from './helpers.ts';
import { startBff, type RunningBff } from '../../bff/start.ts';

const LINK = `link_${'a'.repeat(49)}`;

function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('BFF against a misbehaving connect server', () => {
  let evil: { server: http.Server; url: string };
  let fake: { server: http.Server; url: string };
  let bff: RunningBff;
  let dir: string;
  const evilHeaders: http.IncomingHttpHeaders[] = [];

  before(async () => {
    evil = await listen((req, res) => {
      evilHeaders.push(req.headers);
      res.end('{"success":true,"data":{}}');
    });
    fake = await listen((req, res) => {
      if (req.url === '/link-token') {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"success":false,"error":"Invalid client credentials","code":"INVALID_CLIENT"}');
      } else if (req.url === '/widget/session') {
        res.writeHead(307, { Location: `${evil.url}/steal` }).end();
      } else if (req.url === '/widget/providers') {
        setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true,"data":{}}'), 2000).unref();
      } else if (req.url?.startsWith('/api/v1/')) {
        res.writeHead(302, { Location: `${evil.url}/steal` }).end();
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"success":false,"error":"no","code":"NOT_FOUND"}');
      }
    });
    dir = mkdtempSync(join(tmpdir(), 'kc-bff-up-'));
    const env = { ...bffEnv(fake.url, { client_id: `client_${'c'.repeat(32)}`, client_secret: `cs_${'s'.repeat(49)}` }, dir), BFF_UPSTREAM_TIMEOUT_MS: '300' };
    bff = await startBff({ env, logDestination: captureLogs().stream });
  });
  after(async () => {
    await bff.close();
    await new Promise<void>((r) => fake.server.close(() => r()));
    await new Promise<void>((r) => evil.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not follow a redirect from the widget API', async () => {
    const res = await fetch(`${bff.url}/kryptos/widget/session`, { headers: { 'X-LINK-TOKEN': LINK } });
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as { code: string }).code, 'UPSTREAM_ERROR');
    assert.equal(evilHeaders.length, 0);
  });

  it('does not follow a redirect from the data API (the Bearer token and client secret stay put)', async () => {
    // A stored connection for the user, so the BFF does send credentials upstream.
    await bff.ctx.store.save(Date.now(), {
      partnerUserId: 'u1',
      accessToken: `cat_${'t'.repeat(49)}`,
      grantId: `cgrant_${'g'.repeat(49)}`,
      scopes: 'openid',
      workspaceId: 'ws_1',
      kryptosUserId: 'usr_1',
    });
    const agent = createAgent(bff.url);
    await agent.login('u1');
    const res = await agent.call('GET', '/api/kryptos/data/holdings');
    assert.equal(res.status, 502);
    assert.equal(res.json.error, 'bad_gateway');
    assert.equal(evilHeaders.length, 0);
  });

  it('times out a slow upstream with 504', async () => {
    const started = Date.now();
    const res = await fetch(`${bff.url}/kryptos/widget/providers`, { headers: { 'X-LINK-TOKEN': LINK } });
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { code: string }).code, 'UPSTREAM_TIMEOUT');
    assert.ok(Date.now() - started < 1500);
  });

  it("answers 502 (not 401) when the connect server refuses the app's own credentials", async () => {
    const agent = createAgent(bff.url);
    await agent.login('u2');
    const res = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    assert.equal(res.status, 502);
    assert.equal(res.json.code, 'UPSTREAM_ERROR');
    assert.doesNotMatch(res.text, /cs_/);
  });
});
