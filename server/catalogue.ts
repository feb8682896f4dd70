/**
 * The provider catalogue (contract section 4.8): blockchains, address-based wallets and
 * exchanges by their ccxt ids. Icons are the brands' own (provider-icons.ts, from @web3icons/core)
 * served by the server itself (`/integrations/logos/<id>.svg`), so nothing loads from a third-party
 * CDN; a provider without one gets the monogram below.
 */
export type ProviderType = 'wallet' | 'exchange' | 'blockchain' | 'services';
export type AddressKind = 'evm' | 'solana' | 'bitcoin';
export type CredentialField = { name: 'address' | 'apiKey' | 'secretKey' | 'password'; label: string; required: boolean; secret: boolean };

export type Provider = {
  id: string;
  name: string;
  publicName: string;
  logo: string;
  type: ProviderType;
  isAPI: boolean;
  isCSV: boolean;
  isOAuth: boolean;
  isEVM: boolean;
  isWorking: boolean;
  communityId?: string;
  importGuide: string;
  functions: { name: string; publicName: string }[];
  integrationInfo: { apiKeyRequired: boolean; apiSecretRequired: boolean; passwordRequired?: boolean; addressRequired?: boolean };
  walletLimitations: string | null;
  credentialFields: CredentialField[];
  /** Chains an address of this provider can be added on (first = default). */
  chains: string[];
  addressKinds: AddressKind[];
  sandboxAllowed: boolean;
};

export const EVM_CHAINS: Record<string, { chainId: number; name: string; color: string; symbol: string }> = {
  ethereum: { chainId: 1, name: 'Ethereum', color: '#627EEA', symbol: 'ETH' },
  polygon: { chainId: 137, name: 'Polygon', color: '#8247E5', symbol: 'POL' },
  arbitrum: { chainId: 42161, name: 'Arbitrum One', color: '#28A0F0', symbol: 'ETH' },
  optimism: { chainId: 10, name: 'Optimism', color: '#FF0420', symbol: 'ETH' },
  base: { chainId: 8453, name: 'Base', color: '#0052FF', symbol: 'ETH' },
  bsc: { chainId: 56, name: 'BNB Smart Chain', color: '#F0B90B', symbol: 'BNB' },
  avalanche: { chainId: 43114, name: 'Avalanche C-Chain', color: '#E84142', symbol: 'AVAX' },
};
export const EVM_CHAIN_IDS = Object.keys(EVM_CHAINS);

const WALLET_FUNCTIONS = [
  { name: 'getBalance', publicName: 'Balances' },
  { name: 'getTransactions', publicName: 'Transactions' },
  { name: 'getDefi', publicName: 'DeFi positions' },
  { name: 'getNFTs', publicName: 'NFTs' },
];
const EXCHANGE_FUNCTIONS = [
  { name: 'getBalance', publicName: 'Balances' },
  { name: 'getTrades', publicName: 'Trades' },
  { name: 'getDeposits', publicName: 'Deposits' },
  { name: 'getWithdrawals', publicName: 'Withdrawals' },
];
const ADDRESS_FIELD: CredentialField = { name: 'address', label: 'Public address', required: true, secret: false };

function chain(id: string, name: string, kinds: AddressKind[], extra: Partial<Provider> = {}): Provider {
  const evm = kinds.includes('evm');
  return {
    id,
    name,
    publicName: name,
    logo: `/integrations/logos/${id}.svg`,
    type: 'blockchain',
    isAPI: true,
    isCSV: false,
    isOAuth: false,
    isEVM: evm,
    isWorking: true,
    importGuide: `Paste the public address of your ${name} wallet. Only the public address is needed — never your seed phrase or private key.`,
    functions: id === 'bitcoin' ? WALLET_FUNCTIONS.slice(0, 2) : WALLET_FUNCTIONS,
    integrationInfo: { apiKeyRequired: false, apiSecretRequired: false, addressRequired: true },
    walletLimitations: null,
    credentialFields: [ADDRESS_FIELD],
    chains: evm ? [id] : [id],
    addressKinds: kinds,
    sandboxAllowed: id === 'ethereum' || id === 'solana',
    ...extra,
  };
}

function wallet(id: string, name: string, kinds: AddressKind[], chains: string[], limitations: string | null): Provider {
  return {
    ...chain(id, name, kinds),
    type: 'wallet',
    isEVM: kinds.includes('evm'),
    chains,
    sandboxAllowed: false,
    importGuide: `Open ${name}, copy your account's public address and paste it here. Kryptos never asks for your recovery phrase.`,
    walletLimitations: limitations,
  };
}

function exchange(id: string, name: string, opts: { password?: boolean; guide?: string } = {}): Provider {
  const credentialFields: CredentialField[] = [
    { name: 'apiKey', label: 'API key', required: true, secret: true },
    { name: 'secretKey', label: 'API secret', required: true, secret: true },
  ];
  if (opts.password) credentialFields.push({ name: 'password', label: 'API passphrase', required: true, secret: true });
  return {
    id,
    name,
    publicName: name,
    logo: `/integrations/logos/${id}.svg`,
    type: 'exchange',
    isAPI: true,
    isCSV: false,
    isOAuth: false,
    isEVM: false,
    isWorking: true,
    importGuide:
      opts.guide ??
      `In ${name}, open API management and create a new key with read-only permissions (no trading, no withdrawals). Paste the key and secret here.`,
    functions: EXCHANGE_FUNCTIONS,
    integrationInfo: { apiKeyRequired: true, apiSecretRequired: true, passwordRequired: Boolean(opts.password) },
    walletLimitations: null,
    credentialFields,
    chains: [],
    addressKinds: [],
    sandboxAllowed: false,
  };
}

export const PROVIDERS: Provider[] = [
  ...Object.entries(EVM_CHAINS).map(([id, c]) => chain(id, c.name, ['evm'])),
  chain('solana', 'Solana', ['solana']),
  chain('bitcoin', 'Bitcoin', ['bitcoin']),
  wallet('metamask', 'MetaMask', ['evm'], EVM_CHAIN_IDS, 'EVM chains only'),
  wallet('phantom', 'Phantom', ['solana', 'evm'], ['solana', 'ethereum', 'polygon', 'base'], 'Solana, Ethereum, Polygon and Base accounts'),
  wallet('ledger', 'Ledger', ['evm', 'solana', 'bitcoin'], [...EVM_CHAIN_IDS, 'solana', 'bitcoin'], 'Add each account by its public address'),
  exchange('binance', 'Binance'),
  exchange('coinbase', 'Coinbase'),
  exchange('kraken', 'Kraken'),
  exchange('okx', 'OKX', { password: true }),
  exchange('bybit', 'Bybit'),
  exchange('kucoin', 'KuCoin', { password: true }),
  exchange('bitstamp', 'Bitstamp'),
  exchange('gemini', 'Gemini'),
].sort((a, b) => a.name.localeCompare(b.name));

const BY_ID = new Map(PROVIDERS.map((p) => [p.id, p]));
export const findProvider = (id: string) => BY_ID.get(id);

/** The public shape of `GET /integrations/public/list` (contract 4.8 fields). */
export function publicProvider(p: Provider) {
  const { credentialFields: _c, chains: _ch, addressKinds: _a, sandboxAllowed: _s, ...rest } = p;
  return rest;
}

const COLORS: Record<string, string> = {
  solana: '#14F195',
  bitcoin: '#F7931A',
  metamask: '#F6851B',
  phantom: '#AB9FF2',
  ledger: '#000000',
  binance: '#F3BA2F',
  coinbase: '#0052FF',
  kraken: '#5741D9',
  okx: '#000000',
  bybit: '#F7A600',
  kucoin: '#23AF91',
  bitstamp: '#00A650',
  gemini: '#00DCFA',
};

/** The fallback icon for a provider without a brand icon: a coloured disc with its initials. */
export function providerLogoSvg(id: string): string | undefined {
  const p = BY_ID.get(id);
  if (!p) return undefined;
  const color = EVM_CHAINS[id]?.color ?? COLORS[id] ?? '#4b5563';
  const initials = p.name
    .replace(/[^A-Za-z0-9 ]/g, '')
    .split(' ')
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  const dark = ['#14F195', '#F3BA2F', '#F7A600', '#00DCFA', '#AB9FF2', '#F0B90B'].includes(color);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img" aria-label="${p.name}"><circle cx="20" cy="20" r="20" fill="${color}"/><text x="20" y="25.5" text-anchor="middle" font-family="system-ui,sans-serif" font-size="15" font-weight="700" fill="${dark ? '#111827' : '#ffffff'}">${initials}</text></svg>`;
}
