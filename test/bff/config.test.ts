/** A bad environment stops the start with a message naming the variable. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, DEFAULT_SCOPES, loadBffConfig } from '../../bff/config.ts';
import { startBff } from '../../bff/start.ts';

const good = {
  CONNECT_URL: 'http://127.0.0.1:4000',
  KRYPTOS_CLIENT_ID: `client_${'a'.repeat(32)}`,
  KRYPTOS_CLIENT_SECRET: `cs_${'b'.repeat(49)}`,
  BFF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  BFF_SESSION_SECRET: 'x'.repeat(32),
};

function expectError(env: Record<string, string | undefined>, variable: string) {
  assert.throws(
    () => loadBffConfig(env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`\\b${variable}\\b`));
      return true;
    },
    variable,
  );
}

describe('BFF config', () => {
  it('applies the defaults', () => {
    const c = loadBffConfig(good);
    assert.equal(c.port, 3000);
    assert.equal(c.dbFile, 'data/bff.db');
    assert.equal(c.scopes, DEFAULT_SCOPES);
    assert.equal(c.trustProxy, false);
    assert.equal(c.encryptionKey.length, 32);
  });

  it('names each missing required variable', () => {
    for (const name of Object.keys(good)) expectError({ ...good, [name]: undefined }, name);
  });

  it('names the variable of each bad value', () => {
    const bad: Record<string, string> = {
      CONNECT_URL: 'ftp://example.com',
      KRYPTOS_CLIENT_ID: 'client id with spaces',
      KRYPTOS_CLIENT_SECRET: 'short',
      BFF_ENCRYPTION_KEY: randomBytes(16).toString('base64'),
      BFF_PREVIOUS_ENCRYPTION_KEY: 'not-base64!',
      BFF_SESSION_SECRET: 'too-short',
      BFF_PORT: '70000',
      BFF_SCOPES: 'openid,profile',
      BFF_TRUST_PROXY: 'true',
      BFF_UPSTREAM_TIMEOUT_MS: 'soon',
      LOG_LEVEL: 'loud',
    };
    for (const [name, value] of Object.entries(bad)) expectError({ ...good, [name]: value }, name);
    expectError({ ...good, CONNECT_URL: 'http://127.0.0.1:4000/?x=1' }, 'CONNECT_URL');
    expectError({ ...good, CONNECT_URL: 'http://user:pw@127.0.0.1:4000' }, 'CONNECT_URL');
  });

  it('startBff refuses to start on a bad environment', async () => {
    await assert.rejects(startBff({ env: { ...good, BFF_SESSION_SECRET: 'short' } }), /BFF_SESSION_SECRET/);
  });
});
