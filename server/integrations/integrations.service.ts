/**
 * Adding a workspace's integrations (from the widget, the partner API and the data API):
 * provider and address rules, sandbox policy (enforced here, on the server), exchange keys
 * sealed with AES-256-GCM and never returned, no silent duplicates. Rows are read and written
 * in integrations.repository.ts; their shapes are in integrations.view.ts.
 */
import type { Db } from '../db/database.ts';
import type { Integration } from '../db/tables.ts';
import { findProvider, type Provider } from '../catalogue.ts';
import { checkAddress, invalidAddressExtra, isSandboxAddress, SANDBOX_ADDRESSES } from '../addresses.ts';
import { hmac, randomId, type Sealer } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { integrationView } from './integrations.view.ts';
import { insertIntegration, listIntegrations } from './integrations.repository.ts';

// The widget's routes read and remove through these names.
export { listIntegrations, removeIntegration } from './integrations.repository.ts';

export type AddIntegration = {
  provider: string;
  address?: string;
  chains?: string[];
  credentials?: { apiKey?: string; secretKey?: string; password?: string };
  alias?: string;
};

export type Sandboxed = { sandbox: boolean };

const SANDBOX_PROVIDERS = ['ethereum', 'solana'];
/** Display names, never ids, in anything a person reads ("Sandbox mode only allows: Ethereum, Solana"). */
const providerName = (id: string) => findProvider(id)?.publicName ?? id;

export const SANDBOX_RULES = {
  providers: SANDBOX_PROVIDERS,
  provider_names: Object.fromEntries(SANDBOX_PROVIDERS.map((id) => [id, providerName(id)])),
  addresses: SANDBOX_ADDRESSES,
  message: 'Sandbox clients can connect only the Ethereum and Solana test addresses. Switch the client to production to connect real accounts.',
};

function sandboxProviderError(provider: string) {
  return connectError(
    'SANDBOX_PROVIDER_NOT_ALLOWED',
    `Sandbox mode only allows: ${SANDBOX_PROVIDERS.map(providerName).join(', ')} (not ${providerName(provider)})`,
    { sandbox_rules: SANDBOX_RULES },
  );
}

type Planned = { provider: Provider; chain: string | null; address: string | null; credentials: string | null; fingerprint: string | null };

/** Validates a request to add integrations and returns what would be inserted (one row per chain). */
export function planIntegrations(input: AddIntegration, env: Sandboxed, fingerprintKey: Buffer): Planned[] {
  const provider = findProvider(input.provider);
  if (!provider) throw connectError('UNKNOWN_PROVIDER', `Unknown provider: ${input.provider.slice(0, 64)}`);
  if (env.sandbox && !provider.sandboxAllowed) throw sandboxProviderError(provider.id);
  if (provider.type === 'exchange') {
    const creds = input.credentials ?? {};
    const missing = provider.credentialFields.filter((f) => f.required && !creds[f.name as 'apiKey' | 'secretKey' | 'password']?.trim());
    if (missing.length) throw connectError('MISSING_CREDENTIALS', `${provider.name} needs: ${missing.map((f) => f.label).join(', ')}`);
    if (input.address || input.chains?.length) throw connectError('INVALID_REQUEST', 'Exchanges are connected with API keys, not addresses');
    const apiKey = creds.apiKey!.trim();
    return [
      {
        provider,
        chain: null,
        address: null,
        credentials: JSON.stringify({ apiKey, secretKey: creds.secretKey!.trim(), password: creds.password?.trim() || undefined }),
        fingerprint: hmac(fingerprintKey, `${provider.id}:${apiKey}`),
      },
    ];
  }
  if (input.credentials) throw connectError('INVALID_REQUEST', `${provider.name} is connected with a public address, not API keys`);
  if (!input.address) throw connectError('INVALID_ADDRESS', `${provider.name} needs a public address`);
  const offChain = env.sandbox ? input.chains?.find((c) => c !== provider.id) : undefined;
  if (offChain) throw sandboxProviderError(offChain.slice(0, 32));
  const check = checkAddress(input.address, provider.addressKinds);
  if (!check.valid) throw connectError('INVALID_ADDRESS', check.reason, invalidAddressExtra(check));
  const chains = chainsFor(provider, check.kind, input.chains);
  if (env.sandbox) {
    if (!isSandboxAddress(provider.id, check.normalized)) {
      throw connectError(
        'SANDBOX_ADDRESS_NOT_ALLOWED',
        `Sandbox mode accepts only the published ${provider.name} test address (${SANDBOX_ADDRESSES[provider.id as 'ethereum' | 'solana']})`,
        { sandbox_rules: SANDBOX_RULES },
      );
    }
  }
  return chains.map((chain) => ({ provider, chain, address: check.normalized, credentials: null, fingerprint: null }));
}

function chainsFor(provider: Provider, kind: string, requested: string[] | undefined): string[] {
  const allowed = provider.chains.filter((c) => (kind === 'evm' ? findProvider(c)?.isEVM : c === kind));
  if (!requested || requested.length === 0) {
    const first = allowed[0];
    if (!first) throw connectError('INVALID_ADDRESS', `${provider.name} does not support this kind of address`);
    return [first];
  }
  const unique = [...new Set(requested)];
  const bad = unique.filter((c) => !allowed.includes(c));
  if (bad.length) throw connectError('INVALID_REQUEST', `${provider.name} cannot add this address on: ${bad.join(', ').slice(0, 200)}`);
  return unique;
}

function sameAccount(row: Integration, p: Planned) {
  if (row.provider !== p.provider.id) return false;
  if (p.fingerprint) return row.fingerprint === p.fingerprint;
  return row.address === p.address && row.chain === p.chain;
}

/**
 * Inserts the planned integrations not yet in the workspace (call inside a transaction).
 * Everything already there → ALREADY_CONNECTED with the existing rows.
 */
export async function insertIntegrations(
  db: Db,
  now: number,
  sealer: Sealer,
  workspaceId: string,
  planned: Planned[],
  alias?: string,
  addedBy: string | null = null,
) {
  const current = await listIntegrations(db, workspaceId);
  const existing = current.filter((row) => planned.some((p) => sameAccount(row, p)));
  const fresh = planned.filter((p) => !current.some((row) => sameAccount(row, p)));
  if (fresh.length === 0) {
    throw connectError('ALREADY_CONNECTED', 'This account is already connected to the workspace', { existing: existing.map(integrationView) });
  }
  const added: Integration[] = [];
  for (const p of fresh) {
    const id = randomId('wallet_', 12);
    const row: Integration = {
      id,
      workspace_id: workspaceId,
      provider: p.provider.id,
      chain: p.chain,
      address: p.address,
      alias: alias ?? null,
      category: p.provider.type === 'services' ? 'unknown' : p.provider.type,
      credentials: p.credentials ? sealer.seal(p.credentials, `integrations:${id}:credentials`) : null,
      fingerprint: p.fingerprint,
      status: 'active',
      message: null,
      created_at: now,
      updated_at: now,
      last_synced_at: null,
      deleted_at: null,
      sync_log: null,
      sync_cursor: null,
      limit_exceeded: 0,
      total_transactions: 0,
      added_by_link_token_id: addedBy,
    };
    await insertIntegration(db, row);
    added.push(row);
  }
  return { added, existing };
}
