/** Encryption at rest of the BFF's tokens (docs/security-model.md T32): fresh nonces, AAD binding, fail-closed on any changed bit. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSealer, DecryptionError } from '../../bff/crypto.ts';
import { sealingAad } from '../../bff/token-store.ts';
import { connectThroughWidget, createAgent, startHarness, type Harness } from './helpers.ts';

const TOKEN = `cat_${'A1b2C3'.repeat(8)}xyzw`;

function flipBit(part: string, bit: number): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('base64url');
}

describe('sealing', () => {
  const sealer = createSealer(randomBytes(32));
  const aad = sealingAad('conn_1', 'alice', 'access_token');

  it('writes keyId:nonce:ct:tag with a fresh 96-bit nonce each time', () => {
    const a = sealer.seal(TOKEN, aad).split(':');
    const b = sealer.seal(TOKEN, aad).split(':');
    assert.equal(a.length, 4);
    assert.equal(a[0], sealer.keyId);
    assert.equal(Buffer.from(a[1]!, 'base64url').length, 12);
    assert.equal(Buffer.from(a[3]!, 'base64url').length, 16);
    assert.notEqual(a[1], b[1]);
    assert.notEqual(a[2], b[2]);
    assert.ok(!a.join(':').includes(TOKEN));
  });

  it('fails closed when any single bit of the nonce, ciphertext or tag changes', () => {
    const sealed = sealer.seal(TOKEN, aad);
    assert.equal(sealer.open(sealed, aad), TOKEN);
    const parts = sealed.split(':');
    let tried = 0;
    for (const index of [1, 2, 3]) {
      const bits = Buffer.from(parts[index]!, 'base64url').length * 8;
      for (let bit = 0; bit < bits; bit++) {
        const copy = [...parts];
        copy[index] = flipBit(parts[index]!, bit);
        assert.throws(() => sealer.open(copy.join(':'), aad), DecryptionError, `part ${index} bit ${bit}`);
        tried++;
      }
    }
    assert.ok(tried > 96 + 128 + 8 * TOKEN.length - 1);
  });

  it('refuses truncated, extended, re-keyed or malformed values', () => {
    const sealed = sealer.seal(TOKEN, aad);
    const [id, nonce, ct, tag] = sealed.split(':') as [string, string, string, string];
    for (const bad of [
      `${id}:${nonce}:${ct.slice(0, -2)}:${tag}`,
      `${id}:${nonce}:${ct}AA:${tag}`,
      `${id}:${nonce}:${ct}:${tag.slice(0, -4)}`,
      `00000000:${nonce}:${ct}:${tag}`,
      `${id}:${nonce}:${ct}`,
      `${sealed}:x`,
      '',
      ':::',
    ]) {
      assert.throws(() => sealer.open(bad, aad), DecryptionError, bad);
    }
  });

  it('binds the ciphertext to its table, row, user and purpose', () => {
    const sealed = sealer.seal(TOKEN, aad);
    for (const other of [
      sealingAad('conn_2', 'alice', 'access_token'),
      sealingAad('conn_1', 'mallory', 'access_token'),
      sealingAad('conn_1', 'alice', 'grant_id'),
    ]) {
      assert.throws(() => sealer.open(sealed, other), DecryptionError);
    }
  });

  it('opens rows of the previous key during a rotation and seals with the new one', () => {
    const oldKey = randomBytes(32);
    const sealedOld = createSealer(oldKey).seal(TOKEN, aad);
    const rotated = createSealer(randomBytes(32), oldKey);
    assert.equal(rotated.open(sealedOld, aad), TOKEN);
    assert.notEqual(rotated.seal(TOKEN, aad).split(':')[0], sealedOld.split(':')[0]);
    assert.throws(() => createSealer(randomBytes(32)).open(sealedOld, aad), DecryptionError);
  });
});

describe('stored connection tampering', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('keeps no plaintext token in the database, and an altered row is never used', async () => {
    const agent = createAgent(h.bff.url);
    await agent.login('tamper-user');
    const { publicToken } = await connectThroughWidget(agent);
    assert.equal((await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } })).status, 200);
    const token = (await h.bff.ctx.store.find('tamper-user'))!.accessToken;

    const row = await h.bff.ctx.db.selectFrom('connections').selectAll().where('partner_user_id', '=', 'tamper-user').executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(token));
    assert.ok(!JSON.stringify(row).includes('cat_'));
    assert.ok(!JSON.stringify(row).includes('cgrant_'));

    const parts = row.access_token_sealed.split(':');
    parts[2] = flipBit(parts[2]!, 7);
    await h.bff.ctx.db
      .updateTable('connections')
      .set({ access_token_sealed: parts.join(':') })
      .where('id', '=', row.id)
      .execute();

    const connection = await agent.call('GET', '/api/kryptos/connection');
    assert.equal(connection.status, 500);
    assert.equal(connection.json.code, 'STORED_TOKEN_UNREADABLE');
    const data = await agent.call('GET', '/api/kryptos/data/userinfo');
    assert.equal(data.status, 401);
    const link = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    assert.equal(link.status, 200);
    assert.equal(link.json.isAuthorized, false);
  });

  it("a ciphertext moved to another user's row does not open", async () => {
    const a = createAgent(h.bff.url);
    await a.login('owner-a');
    const { publicToken } = await connectThroughWidget(a);
    await a.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } });
    const b = createAgent(h.bff.url);
    await b.login('owner-b');
    const second = await connectThroughWidget(b);
    await b.call('POST', '/api/kryptos/exchange', { body: { public_token: second.publicToken } });

    const rowA = await h.bff.ctx.db.selectFrom('connections').selectAll().where('partner_user_id', '=', 'owner-a').executeTakeFirstOrThrow();
    await h.bff.ctx.db
      .updateTable('connections')
      .set({ access_token_sealed: rowA.access_token_sealed, grant_id_sealed: rowA.grant_id_sealed })
      .where('partner_user_id', '=', 'owner-b')
      .execute();
    await assert.rejects(h.bff.ctx.store.find('owner-b'), DecryptionError);
    // Disconnecting an unreadable row forgets it (its grant id cannot be known to revoke).
    const removed = await b.call('DELETE', '/api/kryptos/connection');
    assert.equal(removed.status, 200);
    assert.equal((await b.call('GET', '/api/kryptos/connection')).json.connected, false);
  });
});
