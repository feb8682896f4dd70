/**
 * A small in-memory fake of the widget API (docs/widget-api.md) installed as `window.fetch`,
 * plus helpers to reach into the element's steps. No module mocking: the element calls `fetch` as usual.
 */
import { fixture, html, waitUntil, nextFrame } from '@open-wc/testing';
import type { KryptosConnect } from '../../widget/index.ts';
import type { Integration, Provider, Session } from '../../widget/api.ts';

export const ETH_TEST = '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa';
export const SOL_TEST = '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1';
/** ETH_TEST checksummed with one letter's case flipped: the EIP-55 checksum no longer matches. */
export const BAD_CHECKSUM = '0x47c2E31E9ce22437BCF6313D2b9e98245A7bfcFA';
export const SANDBOX_RULES = {
  providers: ['ethereum', 'solana'],
  provider_names: { ethereum: 'Ethereum', solana: 'Solana' },
  addresses: { ethereum: ETH_TEST, solana: SOL_TEST },
};

export const PROVIDERS: Provider[] = [
  {
    id: 'ethereum',
    name: 'ethereum',
    publicName: 'Ethereum',
    logo: '/integrations/logos/ethereum.svg',
    type: 'blockchain',
    isEVM: true,
    importGuide: 'https://example.com/guide/ethereum',
    credentialFields: [{ name: 'address', label: 'Address', required: true, secret: false }],
    chains: ['ethereum', 'base', 'optimism'],
    sandboxAllowed: true,
  },
  {
    id: 'solana',
    name: 'solana',
    publicName: 'Solana',
    logo: '/integrations/logos/solana.svg',
    type: 'blockchain',
    credentialFields: [{ name: 'address', label: 'Address', required: true, secret: false }],
    chains: [],
    sandboxAllowed: true,
  },
  {
    id: 'binance',
    name: 'binance',
    publicName: 'Binance',
    logo: '/integrations/logos/binance.svg',
    type: 'exchange',
    importGuide: 'https://example.com/guide/binance',
    credentialFields: [
      { name: 'apiKey', label: 'API Key', required: true, secret: false },
      { name: 'secretKey', label: 'Secret Key', required: true, secret: true },
    ],
    chains: [],
    sandboxAllowed: false,
  },
  {
    id: 'metamask',
    name: 'metamask',
    publicName: 'MetaMask',
    logo: '/integrations/logos/metamask.svg',
    type: 'wallet',
    isEVM: true,
    credentialFields: [{ name: 'address', label: 'Address', required: true, secret: false }],
    chains: ['ethereum', 'polygon'],
    sandboxAllowed: false,
  },
];

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    client: { name: 'Acme Portfolio', logo_url: null, privacy_policy_url: 'https://acme.example/privacy', terms_url: 'https://acme.example/terms' },
    legal: { privacy_policy_url: 'http://127.0.0.1:4000/legal/privacy', terms_url: 'http://127.0.0.1:4000/legal/terms' },
    scopes: [
      { scope: 'openid', description: 'Confirm your identity', required: true },
      { scope: 'portfolios:read', description: 'See your portfolio balances', required: false },
      { scope: 'transactions:read', description: 'See your transactions', required: false },
      { scope: 'tax:read', description: 'See your capital gains, income and tax summaries', required: false },
    ],
    sandbox: false,
    sandbox_rules: null,
    auth_methods: ['email', 'anonymous'],
    user: null,
    workspace: null,
    workspaces: [],
    signed_in_this_session: false,
    has_existing_grant: false,
    grant_duration_days: 5475,
    consented: false,
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    ...overrides,
  };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
  token: string | null;
  url: string;
}
type Reply = { status: number; body: unknown };
type Handler = (call: Call) => Reply | undefined;

export interface FakeApi {
  calls: Call[];
  /** Calls to `/widget/*` (path relative to `/widget/`). */
  widgetCalls(path?: string): Call[];
  session: Session;
  integrations: Integration[];
  /** Every valid link token; remove one to make the server answer TOKEN_EXPIRED. */
  validTokens: Set<string>;
  /** How many GET integrations polls answer ONGOING before COMPLETED. */
  ongoingPolls: number;
  /** GET integrations calls so far (the first, after sign-in, does not advance the sync). */
  listings: number;
  /** Wrong codes left (`attempts_left`). */
  attemptsLeft?: number;
  /** Answer 403 to GET / DELETE integrations (a resumed session without an email sign-in). */
  refuseListing?: boolean;
  refuseRemoval?: boolean;
  /** Run before the built-in routes; return a reply to override. */
  intercept?: Handler;
  restore(): void;
}

const ok = (data: unknown, status = 200): Reply => ({ status, body: { success: true, data } });
/** The server's error envelope: `extra` fields sit beside `error` and `code` (`attempts_left`, `existing`, `checksum_ok`). */
const fail = (status: number, code: string, error = code, data?: unknown, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { success: false, error, code, ...(data ? { data } : {}), ...extra },
});

export function installFakeApi(session: Session = makeSession(), providers: Provider[] = PROVIDERS): FakeApi {
  const original = window.fetch;
  let serial = 0;
  const api: FakeApi = {
    calls: [],
    widgetCalls: (path) => api.calls.filter((c) => c.path.startsWith('widget/') && (!path || c.path === `widget/${path}`)),
    session,
    integrations: [],
    validTokens: new Set(['link_1']),
    ongoingPolls: 1,
    listings: 0,
    restore: () => void (window.fetch = original),
  };
  const route = (call: Call): Reply => {
    const custom = api.intercept?.(call);
    if (custom) return custom;
    if (call.path === 'link-token') return { status: 200, body: { link_token: 'link_1', isAuthorized: false } };
    if (!call.path.startsWith('widget/')) return fail(404, 'NOT_FOUND');
    if (!call.token) return fail(401, 'INVALID_TOKEN');
    if (!api.validTokens.has(call.token)) return fail(401, 'TOKEN_EXPIRED');
    const body = (call.body ?? {}) as Record<string, unknown>;
    const s = api.session;
    switch (`${call.method} ${call.path.slice(7)}`) {
      case 'GET session':
        return ok(s);
      case 'POST auth/email/request':
        return ok({ sent: true, expires_in: 600, resend_in: 30 });
      case 'POST auth/email/verify': {
        if (body.code !== '123456') {
          const left = (api.attemptsLeft = (api.attemptsLeft ?? 5) - 1);
          return left > 0 ? fail(400, 'INVALID_OTP', `Wrong code; ${left} tries left`, undefined, { attempts_left: left }) : fail(429, 'OTP_TOO_MANY_ATTEMPTS');
        }
        s.user = { id: 'usr_1', email: String(body.email), is_anonymous: false };
        s.workspace = s.workspaces[0] ?? { id: 'ws_1', name: 'Personal' };
        return ok({ user: s.user, workspace: s.workspace, workspaces: s.workspaces.length ? s.workspaces : [s.workspace] });
      }
      case 'POST auth/guest':
        s.user = { id: 'ws_g', email: null, is_anonymous: true };
        s.workspace = { id: 'ws_g', name: 'Guest' };
        return ok({ user: s.user, workspace: s.workspace });
      case 'POST workspaces/select': {
        const ws = s.workspaces.find((w) => w.id === body.workspace_id);
        return ws ? ok({ workspace: ws }) : fail(404, 'WORKSPACE_NOT_FOUND');
      }
      case 'GET providers':
        return ok({ providers });
      case 'POST address/chains': {
        const a = String(body.address);
        if (a === BAD_CHECKSUM)
          return fail(400, 'INVALID_ADDRESS', 'The address checksum (EIP-55 capitalisation) does not match', undefined, { checksum_ok: false });
        if (/^0x[0-9a-fA-F]{40}$/.test(a))
          return ok({ address: a, kind: 'evm', valid: true, checksum_ok: true, chains: a === ETH_TEST ? ['ethereum', 'base'] : [] });
        if (/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(a)) return ok({ address: a, kind: 'solana', valid: true, checksum_ok: true, chains: [] });
        return fail(400, 'INVALID_ADDRESS');
      }
      case 'GET integrations': {
        if (api.refuseListing) return fail(403, 'INSUFFICIENT_SCOPE', 'Listing accounts needs an email sign-in in this session');
        if (!s.user && !s.has_existing_grant) return fail(409, 'SIGN_IN_REQUIRED');
        // The first listing (right after sign-in) shows the accounts as they are; later polls advance the sync.
        if (api.listings++ > 0) {
          const status = api.ongoingPolls-- > 0 ? 'ONGOING' : 'COMPLETED';
          api.integrations = api.integrations.map((i) => ({ ...i, status }));
        }
        return ok({ integrations: api.integrations });
      }
      case 'POST integrations': {
        if (!s.user && !s.has_existing_grant) return fail(409, 'SIGN_IN_REQUIRED');
        const provider = providers.find((p) => p.id === body.provider);
        if (!provider) return fail(400, 'UNKNOWN_PROVIDER');
        if (s.sandbox && !s.sandbox_rules?.providers.includes(provider.id)) return fail(400, 'SANDBOX_PROVIDER_NOT_ALLOWED');
        const address = body.address as string | undefined;
        if (s.sandbox && address && !Object.values(s.sandbox_rules?.addresses ?? {}).includes(address)) return fail(400, 'SANDBOX_ADDRESS_NOT_ALLOWED');
        const existing = api.integrations.filter((i) => address && i.publicAddress === address && i.provider === provider.id);
        if (existing.length) return fail(409, 'ALREADY_CONNECTED', 'Already connected', undefined, { existing });
        const chains = (body.chains as string[] | undefined) ?? [provider.chains[0] ?? provider.id];
        const added: Integration[] = [];
        for (const chain of address ? chains : [null]) {
          added.push({
            id: `int_${++serial}`,
            provider: provider.id,
            providerPublicName: provider.publicName,
            publicAddress: address ?? null,
            chain,
            alias: null,
            category: provider.type,
            status: 'active',
            message: null,
            addedOn: Date.now(),
            lastSyncedAt: null,
            logoUrl: provider.logo,
          });
        }
        api.integrations.push(...added);
        // As the real server: only what this call added (and `existing`), never the whole workspace.
        return ok({ integrations: added, existing: [] }, 201);
      }
      case `DELETE integrations/${String(call.path.split('/')[2])}`: {
        if (api.refuseRemoval) return fail(403, 'INSUFFICIENT_SCOPE', 'Removing accounts needs an email sign-in in this session');
        const id = decodeURIComponent(call.path.split('/')[2] ?? '');
        const before = api.integrations.length;
        api.integrations = api.integrations.filter((i) => i.id !== id);
        return api.integrations.length < before ? ok({ deleted: true }) : fail(404, 'INTEGRATION_NOT_FOUND');
      }
      case 'POST consent':
        if (s.consented) return fail(409, 'CONSENT_ALREADY_GIVEN');
        s.consented = true;
        return ok({ public_token: s.has_existing_grant ? null : `public_${crypto.randomUUID()}` });
      case 'POST exit':
        return ok({ recorded: true });
      default:
        return fail(404, 'NOT_FOUND');
    }
  };
  window.fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const headers = new Headers(init.headers);
    const path = url.pathname.replace(/^\/(kryptos\/)?/, '');
    const call: Call = {
      method: init.method ?? 'GET',
      path,
      url: url.href,
      token: headers.get('X-LINK-TOKEN'),
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    api.calls.push(call);
    await Promise.resolve();
    const reply = route(call);
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'Content-Type': 'application/json' } });
  };
  return api;
}

/** A `generateLinkToken` that hands out link_1, link_2, … and counts calls. */
export function tokenProvider(fake: FakeApi, isAuthorized = false) {
  const fn = Object.assign(
    async () => {
      fn.count += 1;
      const token = `link_${fn.count}`;
      fake.validTokens.add(token);
      return { link_token: token, isAuthorized };
    },
    { count: 0 },
  );
  return fn;
}

export async function mount(fake: FakeApi, attrs: { theme?: string; language?: string; integrationName?: string; isAuthorized?: boolean } = {}) {
  const gen = tokenProvider(fake, attrs.isAuthorized);
  const el = await fixture<KryptosConnect>(html`<kryptos-connect app-name="Acme" theme=${attrs.theme ?? 'light'} language=${attrs.language ?? 'en'}
    integration-name=${attrs.integrationName ?? ''} .generateLinkToken=${gen}></kryptos-connect>`);
  return { el, gen };
}

/** The element rendered for the current step, once it is there and updated. */
export type StepNode = HTMLElement & { shadowRoot: ShadowRoot; updateComplete: Promise<unknown> };

export async function step(el: KryptosConnect, tag: string): Promise<StepNode> {
  await waitUntil(() => el.shadowRoot!.querySelector(tag)?.shadowRoot, `step ${tag} not shown`, { timeout: 4000 });
  const node = el.shadowRoot!.querySelector(tag) as StepNode;
  await node.updateComplete;
  await nextFrame();
  return node;
}

export function $<T extends Element = HTMLElement>(root: { shadowRoot: ShadowRoot | null }, selector: string): T {
  const found = root.shadowRoot!.querySelector<T>(selector);
  if (!found) throw new Error(`${selector} not found`);
  return found;
}

/** Sets an input's value as a user would (fires `input`). */
export function type(input: HTMLInputElement, value: string) {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}

/** The element focused inside nested shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

export function collect<T>(el: EventTarget, name: string): T[] {
  const seen: T[] = [];
  el.addEventListener(name, (e) => seen.push((e as CustomEvent<T>).detail));
  return seen;
}

/** Drives a guest user to the accounts list with one Ethereum address added. */
export async function guestToAccounts(el: KryptosConnect) {
  void el.open();
  const auth = await step(el, 'kryptos-email-step');
  $<HTMLButtonElement>(auth, 'button.secondary').click();
  const picker = await step(el, 'kryptos-integration-step');
  $<HTMLButtonElement>(picker, '[data-provider="ethereum"]').click();
  const connect = await step(el, 'kryptos-connect-step');
  type($<HTMLInputElement>(connect, '#address'), ETH_TEST);
  await waitUntil(() => connect.shadowRoot.querySelector('.chips'), 'chains detected', { timeout: 3000 });
  $<HTMLButtonElement>(connect, 'button[type=submit]').click();
  return step(el, 'kryptos-accounts-step');
}

/** Waits until every finite animation in the element's shadow trees (frame, step transitions) has finished; spinners run on. */
export async function animationsSettled(root: Element): Promise<void> {
  const roots: (Document | ShadowRoot)[] = [document];
  const walk = (node: Element) => {
    if (node.shadowRoot) {
      roots.push(node.shadowRoot);
      node.shadowRoot.querySelectorAll('*').forEach(walk);
    }
  };
  walk(root);
  const finite = roots.flatMap((r) => r.getAnimations()).filter((a) => a.effect?.getComputedTiming().iterations !== Infinity);
  await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
}
