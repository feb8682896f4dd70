/**
 * Issue 9, items 2 and 3: nobody can lock a person out of email sign-in by asking for codes,
 * and wrong codes are counted per email across link tokens and clients.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readOutbox } from '../../../server/mailer.ts';
import { latestCode, linkToken, newClient, startTestServer, widget, type TestServer } from '../helpers.ts';
import { expectError } from './support.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer({ rateLimits: { otpRequestsPerHour: 5 } });
});
after(async () => {
  await s.stop();
});

const codesSent = async (email: string) => (await readOutbox(s.ctx.db, email, 100)).filter((m) => /sign-in code/.test(m.subject)).length;

test('requests refused by the resend rule spend nothing: a burst on one link token cannot block the email', async () => {
  const attacker = await newClient(s, { name: 'Attacker app' });
  const email = 'burst-victim@example.com';
  const w = widget(s, (await linkToken(s, attacker)).link_token);
  const replies = await Promise.all(Array.from({ length: 8 }, () => w('POST', '/auth/email/request', { email })));
  assert.equal(replies.filter((r) => r.status === 200).length, 1, 'one code sent');
  assert.equal(await codesSent(email), 1);
  // The same person, through the same app from elsewhere and through another app: not blocked.
  const other = widget(s, (await linkToken(s, attacker, { user_reference: 'someone-else' })).link_token);
  assert.equal((await other('POST', '/auth/email/request', { email })).status, 200, 'another requester of the same client');
  const partner = await newClient(s, { name: 'Honest app' });
  const honest = widget(s, (await linkToken(s, partner)).link_token);
  assert.equal((await honest('POST', '/auth/email/request', { email })).status, 200);
  assert.equal((await honest('POST', '/auth/email/verify', { email, code: await latestCode(s, email) })).status, 200);
});

test('one requester spends only its own budget (5 codes sent per hour)', async () => {
  const c = await newClient(s);
  const email = 'budget@example.com';
  for (let i = 0; i < 5; i++) {
    const r = await widget(s, (await linkToken(s, c, { user_reference: 'spammer' })).link_token)('POST', '/auth/email/request', { email });
    assert.equal(r.status, 200, `code ${i + 1}`);
  }
  expectError(
    await widget(s, (await linkToken(s, c, { user_reference: 'spammer' })).link_token)('POST', '/auth/email/request', { email }),
    'RATE_LIMITED',
    'sixth code',
  );
  const other = await newClient(s, { name: 'Other app' });
  assert.equal(
    (await widget(s, (await linkToken(s, other)).link_token)('POST', '/auth/email/request', { email })).status,
    200,
    'another client is never blocked',
  );
});

test('wrong codes: 10 per email across link tokens lock sign-in (with an email notice); a right code then gets a clear answer; it unlocks later', async () => {
  const c = await newClient(s);
  const email = 'guessed@example.com';
  const ws = [];
  const codes: string[] = [];
  for (let t = 0; t < 3; t++) {
    const w = widget(s, (await linkToken(s, c, { user_reference: `ref-${t}` })).link_token);
    assert.equal((await w('POST', '/auth/email/request', { email })).status, 200);
    ws.push(w);
    codes.push(await latestCode(s, email));
  }
  let last;
  for (const t of [0, 1]) {
    const wrong = String((Number(codes[t]) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) last = await ws[t]!('POST', '/auth/email/verify', { email, code: wrong });
  }
  const right = await ws[2]!('POST', '/auth/email/verify', { email, code: codes[2] });
  expectError(right, 'SIGN_IN_LOCKED', 'right code while locked');
  assert.match(right.body.error, /right/);
  expectError(last!, 'SIGN_IN_LOCKED', 'the tenth wrong code');
  assert.ok(last!.body.retry_after >= 15 * 60 - 1);
  const notices = (await readOutbox(s.ctx.db, email, 100)).filter((m) => /paused/.test(m.subject));
  assert.equal(notices.length, 1, 'the person is told');
  const other = await newClient(s, { name: 'Another app' });
  const w2 = widget(s, (await linkToken(s, other)).link_token);
  expectError(await w2('POST', '/auth/email/request', { email }), 'SIGN_IN_LOCKED', 'across clients');
  s.clock.advance(15 * 60_000 + 1000);
  assert.equal((await w2('POST', '/auth/email/request', { email })).status, 200);
  assert.equal((await w2('POST', '/auth/email/verify', { email, code: await latestCode(s, email) })).status, 200);
});

test('a right code after the 5 tries of that code are used up says so (not "already used")', async () => {
  const c = await newClient(s);
  const email = 'five-tries@example.com';
  const w = widget(s, (await linkToken(s, c)).link_token);
  await w('POST', '/auth/email/request', { email });
  const code = await latestCode(s, email);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  for (let i = 0; i < 5; i++) await w('POST', '/auth/email/verify', { email, code: wrong });
  const r = await w('POST', '/auth/email/verify', { email, code });
  expectError(r, 'OTP_TOO_MANY_ATTEMPTS');
  assert.match(r.body.error, /right.*new code/);
});
