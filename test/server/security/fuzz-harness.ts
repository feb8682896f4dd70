/**
 * Property-based fuzzing of every operation of the OpenAPI document (docs/security-model.md T35, T40): bodies
 * generated from the route's zod schema with fast-check, then mutated (unknown fields,
 * wrong types, huge and empty values, unicode, `__proto__`/`constructor` keys, deep
 * nesting, arrays for objects, raw garbage, wrong content types). Properties, per case:
 * never a 5xx, never a stack trace in the body, a 4xx is the family's JSON envelope, and a
 * 4xx writes nothing — measured with SQLite's total_changes() on the server's connection
 * (catches UPDATEs too) and the row counts of every table. audit_events is the exception:
 * failed client authentications and failed exchanges are audited by design, so audit rows
 * are subtracted. A wrong one-time code counts an attempt by design (INVALID_OTP and
 * OTP_TOO_MANY_ATTEMPTS may update otp_codes.attempts).
 * Used by fuzz.test.ts (~200 cases per route) and `npm run fuzz` (thousands).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { CheckSessionBody, ExchangeBody, LinkTokenBody, RevokeBody, SandboxPublicTokenBody } from '../../../server/connect/partner.routes.ts';
import { GuestBody, OtpRequestBody, OtpVerifyBody, SelectWorkspaceBody } from '../../../server/widget-api/auth.routes.ts';
import { AddIntegrationBody, ConsentBody } from '../../../server/widget-api/integrations.routes.ts';
import { AddressBody, ExitBody } from '../../../server/widget-api/session.routes.ts';
import { ClientFields, ClientUpdate } from '../../../server/clients/clients.service.ts';
import { ConnectSessionBody } from '../../../server/oauth/hosted.routes.ts';
import { randomToken } from '../../../server/crypto.ts';
import { KNOWN_SCOPES } from '../../../server/scopes.ts';
import { PROVIDERS } from '../../../server/catalogue.ts';
import { linkToken, newClient, SANDBOX_ETH, SANDBOX_SOL, widget, type TestClient, type TestServer } from '../helpers.ts';
import { tableCounts, totalChanges } from './support.ts';
import { ALL_SCOPES, connectWorkspace } from '../data/fixtures.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
/** Mirrors the admin route's RotateBody (not exported from admin.routes.ts). */
const RotateBody = z.strictObject({ grace_minutes: z.number().int().min(0).max(43_200).default(0) });

// ---------------------------------------------------------------- zod → fast-check

type Def = { type: string; [k: string]: unknown };
type Schema = {
  _zod: { def: Def; bag?: Record<string, unknown> };
  minLength?: number | null;
  maxLength?: number | null;
  format?: string | null;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: unknown[];
};
type Hints = Record<string, fc.Arbitrary<unknown>>;

const CAP = 96;
const unicode = (max: number) => fc.string({ unit: 'binary', maxLength: Math.min(max, CAP) });

function stringArbitrary(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 2048;
  const checks = (s._zod.def.checks as { _zod: { def: { format?: string; pattern?: RegExp } } }[] | undefined) ?? [];
  const pattern = checks.map((c) => c._zod.def.pattern).find((p): p is RegExp => p instanceof RegExp);
  const shaped: fc.Arbitrary<string>[] = [fc.string({ minLength: min, maxLength: Math.min(max, CAP) })];
  if (s.format === 'email') shaped.push(fc.emailAddress().filter((e) => e.length <= max));
  else if (s.format === 'url') shaped.push(fc.webUrl().filter((u) => u.length <= max));
  else if (pattern) shaped.push(fc.stringMatching(pattern).filter((x) => x.length >= min && x.length <= max));
  return fc.oneof(
    { arbitrary: fc.oneof(...shaped), weight: 6 },
    { arbitrary: unicode(max), weight: 2 },
    { arbitrary: fc.constantFrom('x'.repeat(Math.min(max, 20_000)), 'y'.repeat(Math.min(max + 1, 20_000)), ''), weight: 1 },
  );
}

function checkValue(def: Def, name: string): number | undefined {
  const checks = (def.checks as { _zod: { def: { check: string; minimum?: number; maximum?: number } } }[] | undefined) ?? [];
  const c = checks.find((x) => x._zod.def.check === name)?._zod.def;
  return c?.minimum ?? c?.maximum;
}

export function arbitraryFor(schema: unknown, hints: Hints = {}, path = ''): fc.Arbitrary<unknown> {
  if (hints[path]) return hints[path]!;
  const s = schema as Schema;
  const def = s._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      const entries: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [key, value] of Object.entries(shape)) {
        entries[key] = arbitraryFor(value, hints, path ? `${path}.${key}` : key);
        if (!['optional', 'default'].includes(value._zod.def.type)) required.push(key);
      }
      return fc.record(entries, { requiredKeys: required });
    }
    case 'optional':
    case 'default':
      return arbitraryFor(def.innerType, hints, path);
    case 'nullable':
      return fc.option(arbitraryFor(def.innerType, hints, path), { nil: null, freq: 4 });
    case 'pipe':
      return arbitraryFor(def.in, hints, path);
    case 'string':
      return stringArbitrary(s);
    case 'number':
      return fc.oneof(fc.integer({ min: s.minValue ?? -1e6, max: s.maxValue ?? 1e6 }), fc.constantFrom(-1, 0, 1, 2 ** 53, -(2 ** 53), 1.5, 1e308));
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.oneof({ arbitrary: fc.constantFrom(...(s.options ?? [])), weight: 4 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
    case 'array': {
      const min = checkValue(def, 'min_length') ?? 0;
      const max = checkValue(def, 'max_length') ?? 16;
      return fc.array(arbitraryFor(def.element, hints, `${path}[]`), { minLength: min, maxLength: Math.min(max + 1, 12) });
    }
    default:
      return fc.anything();
  }
}

// ---------------------------------------------------------------- mutations

export type FuzzCase = { label: string; contentType: string | null; body: string; query?: string };

const wrongValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.constant({ $gt: '' }),
  fc.constant(['__proto__']),
  fc.constant("' OR 1=1 --"),
  fc.constant('\u0000'),
  fc.constant('\ud800'),
);
const dangerousKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'hasOwnProperty');

function nested(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object' ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A schema-shaped body, or one of the mutations, as raw request text plus content type. */
export function caseArbitrary(schema: unknown, hints: Hints = {}): fc.Arbitrary<FuzzCase> {
  const valid = arbitraryFor(schema, hints) as fc.Arbitrary<Record<string, unknown>>;
  const json = (label: string, value: unknown): FuzzCase => ({ label, contentType: 'application/json', body: JSON.stringify(value) ?? 'null' });
  const pickKey = (o: Record<string, unknown>, n: number) => {
    const keys = Object.keys(o);
    return keys.length ? keys[n % keys.length]! : 'x';
  };
  return fc.oneof(
    { arbitrary: valid.map((v) => json('schema', v)), weight: 10 },
    {
      arbitrary: fc.tuple(valid, fc.string({ minLength: 1, maxLength: 20 }), wrongValue).map(([v, k, x]) => json('unknown field', { ...v, [k]: x })),
      weight: 2,
    },
    { arbitrary: fc.tuple(valid, fc.nat(), wrongValue).map(([v, n, x]) => json('wrong type', { ...v, [pickKey(v, n)]: x })), weight: 3 },
    {
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.integer({ min: 1_000, max: 40_000 }))
        .map(([v, n, len]) => json('huge value', { ...v, [pickKey(v, n)]: 'z'.repeat(len) })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(valid, fc.nat(), fc.constantFrom('', [], {}, 0, null)).map(([v, n, e]) => json('empty value', { ...v, [pickKey(v, n)]: e })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }))
        .map(([v, n, u]) => json('unicode', { ...v, [pickKey(v, n)]: u })),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(valid, dangerousKey, wrongValue).map(([v, k, x]) => {
        const text = JSON.stringify(v);
        const injected = `{${JSON.stringify(k)}:${JSON.stringify(x) ?? 'null'}${text.length > 2 ? `,${text.slice(1)}` : '}'}`;
        return { label: `key ${k}`, contentType: 'application/json', body: injected };
      }),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(valid, dangerousKey).map(([v, k]) => ({
        label: `nested ${k}`,
        contentType: 'application/json',
        body: JSON.stringify(v)
          .replace(/^\{/, `{"metadata":{${JSON.stringify(k)}:{"polluted":true}},`)
          .replace(/,}$/, '}'),
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 5_000 }), fc.constantFrom('object' as const, 'array' as const))
        .map(([d, kind]) => ({ label: `deep ${kind}`, contentType: 'application/json', body: nested(d, kind) })),
      weight: 1,
    },
    { arbitrary: valid.map((v) => ({ label: 'array for object', contentType: 'application/json', body: JSON.stringify([v]) })), weight: 1 },
    {
      arbitrary: fc
        .constantFrom('null', '1', '"text"', 'true', '[]', '{}', '', ' ', '{"a":1,"a":2}', '{"scopes":"openid","scopes":{"x":1}}')
        .map((b) => ({ label: 'primitive', contentType: 'application/json', body: b })),
      weight: 1,
    },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((b) => ({ label: 'garbage', contentType: 'application/json', body: b })), weight: 2 },
    {
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=latin1',
            'application/json; charset=utf-16',
            'application/xml',
            'application/vnd.api+json',
            'application/csp-report',
            null,
          ),
        )
        .map(([v, ct]) => ({ label: `content type ${ct}`, contentType: ct, body: JSON.stringify(v) })),
      weight: 2,
    },
  );
}

/** A query string shaped by the route's query schema, or one of the query mutations. */
export function queryCaseArbitrary(schema: unknown, hints: Hints = {}): fc.Arbitrary<FuzzCase> {
  const valid = arbitraryFor(schema, hints) as fc.Arbitrary<Record<string, unknown>>;
  const encode = (o: Record<string, unknown>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) {
      if (Array.isArray(v)) for (const x of v) q.append(k, typeof x === 'object' ? JSON.stringify(x) : String(x));
      else if (v !== undefined) q.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    }
    return q.toString();
  };
  const c = (label: string, query: string): FuzzCase => ({ label, contentType: null, body: '', query });
  const pickKey = (o: Record<string, unknown>, n: number) => {
    const keys = Object.keys(o);
    return keys.length ? keys[n % keys.length]! : 'x';
  };
  return fc.oneof(
    { arbitrary: valid.map((v) => c('schema', encode(v))), weight: 10 },
    {
      arbitrary: fc.tuple(valid, fc.string({ minLength: 1, maxLength: 20 }), wrongValue).map(([v, k, x]) => c('unknown param', encode({ ...v, [k]: x }))),
      weight: 2,
    },
    { arbitrary: fc.tuple(valid, fc.nat(), wrongValue).map(([v, n, x]) => c('wrong type', encode({ ...v, [pickKey(v, n)]: x }))), weight: 3 },
    {
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.integer({ min: 1_000, max: 6_000 }))
        .map(([v, n, len]) => c('huge value', encode({ ...v, [pickKey(v, n)]: 'z'.repeat(len) }))),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(valid, fc.nat())
        .map(([v, n]) => c('repeated param', `${encode(v)}&${encodeURIComponent(pickKey(v, n))}=1&${encodeURIComponent(pickKey(v, n))}=2`)),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }))
        .map(([v, n, u]) => c('unicode', encode({ ...v, [pickKey(v, n)]: u }))),
      weight: 2,
    },
    { arbitrary: fc.tuple(valid, dangerousKey).map(([v, k]) => c(`key ${k}`, `${encodeURIComponent(k)}=1&${encode(v)}`)), weight: 1 },
    {
      arbitrary: fc
        .constantFrom('%', '%zz', '&&&', '=', 'a[b]=1', 'a[]=1&a[]=2', '%00=%00', 'limit=-1', 'limit=1e309', 'cursor=%FF%FE')
        .map((q) => c('raw', q)),
      weight: 2,
    },
  );
}

// ---------------------------------------------------------------- routes

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** A body route (`schema`) or a query route (`query`: the query string is generated and mutated instead). */
type Target = { name: string; method: Method; schema: unknown; query?: boolean; hints?: Hints; path(): string; headers(): Promise<Record<string, string>> };

const PARTNER_SCOPES = ['openid', 'profile', 'email', 'users:read', 'portfolios:read', 'integrations:read'];
const scopeString = fc.oneof(
  { arbitrary: fc.subarray(PARTNER_SCOPES, { minLength: 1 }).map((s) => s.join(' ')), weight: 4 },
  { arbitrary: fc.subarray([...KNOWN_SCOPES], { minLength: 0, maxLength: 6 }).map((s) => s.join(' ')), weight: 1 },
);
const simpleEmail = fc.oneof(
  {
    arbitrary: fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/), fc.constantFrom('example.com', 'mail.example.org')).map(([l, d]) => `${l}@${d}`),
    weight: 4,
  },
  { arbitrary: fc.oneof(fc.emailAddress(), fc.constantFrom('Ünïcode@example.com', 'a@b', '', 'a@example.com\r\nBcc: x@y.z')), weight: 1 },
);
const wellFormed = (prefix: 'public_' | 'cat_' | 'cgrant_' | 'link_' | 'creq_') => fc.constantFrom(0, 1, 2).map(() => randomToken(prefix));

/** Creates the clients and link tokens the routes need; link tokens are renewed before their per-token limit. */
export async function fuzzTargets(server: TestServer): Promise<Target[]> {
  const partner = await newClient(server, { name: 'Fuzz partner', scopes: PARTNER_SCOPES.join(' ') });
  const adminTarget = await newClient(server, { name: 'Fuzz admin target' });
  const linkOf = (kind: 'fresh' | 'signed', every = 250) => {
    let current: string | undefined;
    let uses = 0;
    return async () => {
      if (!current || ++uses % every === 0) current = await mintLink(server, partner, kind);
      return { 'x-link-token': current };
    };
  };
  const otpLink = async () => {
    const link = await mintLink(server, partner, 'fresh');
    const r = await widget(server, link)('POST', '/auth/email/request', { email: 'fuzz@example.com' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return link;
  };
  let otpCurrent: string | undefined;
  let otpUses = 0;
  const creds = async () => partner.headers;
  const admin = async () => ADMIN;
  const providerIds = PROVIDERS.map((p) => p.id);
  const cred = {
    client_id: fc.oneof({ arbitrary: fc.constant(partner.client_id), weight: 6 }, { arbitrary: fc.constantFrom('client_' + '0'.repeat(32), ''), weight: 1 }),
    client_secret: fc.oneof({ arbitrary: fc.constant(partner.client_secret), weight: 6 }, { arbitrary: fc.constantFrom('cs_wrong', ''), weight: 1 }),
  };
  const bespoke: Target[] = [
    {
      name: 'POST /link-token',
      method: 'POST',
      path: () => '/link-token',
      headers: creds,
      schema: LinkTokenBody,
      hints: { scopes: scopeString, access_token: wellFormed('cat_'), ...cred },
    },
    {
      name: 'POST /link-token/check-session',
      method: 'POST',
      path: () => '/link-token/check-session',
      headers: creds,
      schema: CheckSessionBody,
      hints: { access_token: fc.oneof(wellFormed('cat_'), fc.string()), ...cred },
    },
    {
      name: 'POST /token/exchange',
      method: 'POST',
      path: () => '/token/exchange',
      headers: creds,
      schema: ExchangeBody,
      hints: { public_token: fc.oneof(wellFormed('public_'), fc.string()), ...cred },
    },
    {
      name: 'POST /token/revoke',
      method: 'POST',
      path: () => '/token/revoke',
      headers: creds,
      schema: RevokeBody,
      hints: { grant_id: fc.oneof(wellFormed('cgrant_'), fc.string()), ...cred },
    },
    {
      name: 'POST /sandbox/public-token',
      method: 'POST',
      path: () => '/sandbox/public-token',
      headers: creds,
      schema: SandboxPublicTokenBody,
      hints: {
        scopes: scopeString,
        'integrations[].provider': fc.constantFrom('ethereum', 'solana', 'polygon', 'binance', 'nope'),
        'integrations[].address': fc.constantFrom(SANDBOX_ETH, SANDBOX_SOL, '0x52908400098527886E0F7030069857D2E4169EE7', 'x'),
        ...cred,
      },
    },
    {
      name: 'POST /widget/auth/email/request',
      method: 'POST',
      path: () => '/widget/auth/email/request',
      headers: linkOf('fresh', 10),
      schema: OtpRequestBody,
      hints: { email: simpleEmail },
    },
    {
      name: 'POST /widget/auth/email/verify',
      method: 'POST',
      path: () => '/widget/auth/email/verify',
      schema: OtpVerifyBody,
      hints: { email: fc.constantFrom('fuzz@example.com', 'FUZZ@example.com', 'other@example.com'), code: fc.stringMatching(/^\d{6}$/) },
      headers: async () => {
        if (!otpCurrent || ++otpUses % 250 === 0) otpCurrent = await otpLink();
        return { 'x-link-token': otpCurrent };
      },
    },
    { name: 'POST /widget/auth/guest', method: 'POST', path: () => '/widget/auth/guest', headers: linkOf('fresh'), schema: GuestBody },
    { name: 'POST /widget/workspaces/select', method: 'POST', path: () => '/widget/workspaces/select', headers: linkOf('signed'), schema: SelectWorkspaceBody },
    {
      name: 'POST /widget/integrations',
      method: 'POST',
      path: () => '/widget/integrations',
      headers: linkOf('signed'),
      schema: AddIntegrationBody,
      hints: {
        provider: fc.oneof({ arbitrary: fc.constantFrom('ethereum', 'solana'), weight: 3 }, { arbitrary: fc.constantFrom(...providerIds, 'nope'), weight: 1 }),
        address: fc.constantFrom(
          SANDBOX_ETH,
          SANDBOX_SOL,
          SANDBOX_ETH.toUpperCase(),
          '0x52908400098527886E0F7030069857D2E4169EE7',
          'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
          '',
        ),
        'chains[]': fc.constantFrom('ethereum', 'solana', 'base', 'polygon', 'x'),
      },
    },
    {
      name: 'POST /widget/consent',
      method: 'POST',
      path: () => '/widget/consent',
      headers: linkOf('signed'),
      schema: ConsentBody,
      hints: {
        scopes: fc.oneof(
          fc.subarray(['openid', 'email', 'portfolios:read'], { minLength: 1 }),
          fc.array(fc.constantFrom(...KNOWN_SCOPES, 'nope'), { maxLength: 6 }),
        ),
      },
    },
    { name: 'POST /widget/exit', method: 'POST', path: () => '/widget/exit', headers: linkOf('fresh'), schema: ExitBody },
    {
      name: 'POST /widget/address/chains',
      method: 'POST',
      path: () => '/widget/address/chains',
      headers: linkOf('fresh'),
      schema: AddressBody,
      hints: {
        address: fc.oneof(
          fc.constantFrom(SANDBOX_ETH, SANDBOX_SOL, '0x52908400098527886E0F7030069857D2E4169Ee7', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'),
          fc.string(),
        ),
      },
    },
    {
      name: 'POST /connect/session',
      method: 'POST',
      path: () => '/connect/session',
      headers: async () => ({}),
      schema: ConnectSessionBody,
      hints: { handle: fc.oneof(wellFormed('creq_'), fc.string()) },
    },
    { name: 'POST /admin/clients', method: 'POST', path: () => '/admin/clients', headers: admin, schema: ClientFields, hints: { scopes: scopeString } },
    {
      name: 'PATCH /admin/clients/:id',
      method: 'PATCH',
      path: () => `/admin/clients/${adminTarget.client_id}`,
      headers: admin,
      schema: ClientUpdate,
      hints: { scopes: scopeString },
    },
    {
      name: 'POST /admin/clients/:id/rotate-secret',
      method: 'POST',
      path: () => `/admin/clients/${adminTarget.client_id}/rotate-secret`,
      headers: admin,
      schema: RotateBody,
    },
  ];
  return [...bespoke, ...(await documentedTargets(server, new Set(bespoke.map((t) => t.name))))];
}

/**
 * Every other operation of the OpenAPI document, driven from its own schema: the body of a
 * write, else the query string (an operation without either gets its query string mutated).
 * Path parameters are real ids of the fixtures or junk; `:id` under /admin is always a client
 * created for the fuzz, so rotating or deleting it cannot break the other routes.
 */
export async function documentedTargets(server: TestServer, covered: Set<string>): Promise<Target[]> {
  const scopes = `${ALL_SCOPES} tax:read accounting:read reports:read reports:write`;
  const owner = await newClient(server, { name: 'Fuzz data', scopes, sandbox: true });
  const ws = await connectWorkspace(server, owner, scopes);
  const adminTarget = await newClient(server, { name: 'Fuzz admin documented' });
  // One valid read first: the bearer's last_used_at stamp happens once, not inside a measured 4xx.
  await fetch(`${server.url}/api/v1/userinfo`, { headers: ws.auth });
  await new Promise((r) => setTimeout(r, 200));
  const signed = await mintLink(server, owner, 'signed');
  const junk = ['x', 'wallet_000000000000000000000000', '%2e%2e', 'rep_' + '0'.repeat(24), 'cgrant_x'];
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const param = (name: string, path: string): string => {
    if (path.startsWith('/admin/')) return adminTarget.client_id;
    if (name === 'walletId' || (name === 'id' && path.startsWith('/widget/'))) return pick([ws.sandboxIntegrations[0]!, ...junk]);
    if (name === 'grantId') return pick([ws.grantId, ...junk]);
    return pick(junk);
  };
  const headersFor = (auth: string): (() => Promise<Record<string, string>>) => {
    if (auth === 'client') return async () => owner.headers;
    if (auth === 'admin') return async () => ADMIN;
    if (auth === 'link') return async () => ({ 'x-link-token': signed });
    if (auth === 'bearer') return async () => ws.auth;
    return async () => ({});
  };
  const empty = z.object({});
  return server.routes
    .documented()
    .filter((d) => !covered.has(`${d.method.toUpperCase()} ${d.path}`))
    .map((d): Target => ({
      name: `${d.method.toUpperCase()} ${d.path}`,
      method: d.method.toUpperCase() as Method,
      schema: d.body ?? d.query ?? empty,
      query: !d.body,
      path: () => d.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(param(name, d.path))),
      headers: headersFor(d.auth),
    }));
}

async function mintLink(server: TestServer, client: TestClient, kind: 'fresh' | 'signed'): Promise<string> {
  const { link_token } = await linkToken(server, client, { scopes: 'openid email portfolios:read' });
  if (kind === 'signed') {
    const w = widget(server, link_token);
    assert.equal((await w('POST', '/auth/guest', {})).status, 200);
    assert.equal((await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH })).status, 201);
  }
  return link_token;
}

// ---------------------------------------------------------------- the property

/**
 * Stops the sync engine and unhooks it from new integrations. Its jobs write in the
 * background (thousands of rows for a sandbox dataset), queued after the 2xx that added the
 * integration has answered, so they would land inside a later 4xx's measurement.
 */
export async function quietSyncEngine(server: TestServer): Promise<void> {
  await server.ctx.sync?.stop();
  server.ctx.events.removeAllListeners('integrations-added');
  // Webhook fan-out and report jobs also write in the background after a 2xx.
  await server.ctx.webhooks?.stop();
  await server.ctx.reports?.stop();
}

const STACK = /\n\s+at |\bat [^\s]+ \(|node_modules|\.ts:\d+:\d+|\.js:\d+:\d+/;
const WRITES_BY_DESIGN = new Set(['INVALID_OTP', 'OTP_TOO_MANY_ATTEMPTS', 'TOKEN_ALREADY_USED']);

export type RouteStats = { name: string; runs: number; statuses: Record<string, number> };

export async function fuzzRoute(server: TestServer, target: Target, options: { numRuns: number; seed?: number }): Promise<RouteStats> {
  const stats: RouteStats = { name: target.name, runs: 0, statuses: {} };
  const sqlite = server.storage.engine.sqlite;
  const property = () =>
    fc.assert(
      fc.asyncProperty(target.query ? queryCaseArbitrary(target.schema, target.hints) : caseArbitrary(target.schema, target.hints), async (c) => {
        const headers: Record<string, string> = { ...(await target.headers()) };
        if (c.contentType) headers['content-type'] = c.contentType;
        const changesBefore = totalChanges(sqlite);
        const rowsBefore = tableCounts(sqlite);
        const url = server.url + target.path() + (c.query ? `?${c.query}` : '');
        const hasBody = target.method !== 'GET' && target.method !== 'DELETE';
        const res = await fetch(url, { method: target.method, headers, body: hasBody ? c.body : undefined });
        const text = await res.text();
        const changes = totalChanges(sqlite) - changesBefore;
        const rowsAfter = tableCounts(sqlite);
        stats.runs++;
        stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
        const where = `${target.name} [${c.label}] ${c.contentType} ${c.query ?? ''} ${c.body.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`;
        assert.ok(res.status < 500, `5xx: ${where}`);
        if (!res.headers.get('content-type')?.startsWith('text/html')) assert.ok(!STACK.test(text), `stack trace in body: ${where}`);
        if (res.status >= 400) {
          const path = target.path();
          // The OAuth family answers RFC 6749 errors ({error, error_description}), and an HTML page where no
          // trusted redirect_uri is known yet (authorize) or for the hosted pages themselves (/connect, /connect/frame).
          const oauth = /^\/(oauth|oidc|\.well-known)\//.test(path) || path === '/connect' || path === '/connect/frame';
          const html = res.headers.get('content-type')?.startsWith('text/html') ?? false;
          const body = (oauth && html ? { error: 'html_page' } : JSON.parse(text)) as { success?: boolean; code?: string; error?: string; message?: string };
          if (oauth) {
            assert.equal(typeof body.error, 'string', `OAuth error shape: ${where}`);
            body.code = body.error;
          } else if (path.startsWith('/api/')) {
            // The data family: {error: code, message, details}.
            assert.equal(typeof body.error, 'string', `envelope: ${where}`);
            assert.equal(typeof body.message, 'string', `envelope: ${where}`);
            body.code = body.error;
          } else {
            assert.equal(body.success, false, `envelope: ${where}`);
            assert.equal(typeof body.code, 'string', `envelope: ${where}`);
            assert.equal(typeof body.error, 'string', `envelope: ${where}`);
          }
          if (!WRITES_BY_DESIGN.has(body.code!)) {
            const audited = rowsAfter.audit_events! - rowsBefore.audit_events!;
            assert.equal(changes - audited, 0, `a ${res.status} wrote ${changes - audited} row change(s) besides audit: ${where}`);
            for (const t of Object.keys(rowsBefore))
              if (t !== 'audit_events') assert.equal(rowsAfter[t], rowsBefore[t], `${t} rows changed on a ${res.status}: ${where}`);
          }
        }
      }),
      { numRuns: options.numRuns, seed: options.seed },
    );
  try {
    await property();
  } catch (error) {
    // fast-check keeps the failed assertion as `cause`; the test runner would show only the counterexample.
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${(error as Error).message}\nCause: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: error });
  }
  return stats;
}
