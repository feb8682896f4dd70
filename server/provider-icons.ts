/**
 * Brand icons of the catalogue's providers, from `@web3icons/core` (MIT; see THIRD-PARTY-NOTICES.md).
 * The package ships each icon as an ES module whose default export is the SVG text; only the icons
 * named here are imported, once, on first request. Served by this server (`/integrations/logos/<id>.svg`)
 * and through a partner's BFF, so the widget loads them same-origin and its own bundle carries none.
 * A provider without an icon here gets the catalogue's monogram (catalogue.ts `providerLogoSvg`).
 */
const ICONS: Record<string, string> = {
  ethereum: 'networks/branded/ethereum',
  polygon: 'networks/branded/polygon',
  arbitrum: 'networks/branded/arbitrum-one',
  optimism: 'networks/branded/optimism',
  base: 'networks/branded/base',
  bsc: 'networks/branded/binance-smart-chain',
  avalanche: 'networks/branded/avalanche',
  solana: 'networks/branded/solana',
  bitcoin: 'networks/branded/bitcoin',
  metamask: 'wallets/branded/metamask',
  phantom: 'wallets/branded/phantom',
  ledger: 'wallets/branded/ledger',
  binance: 'exchanges/branded/binance',
  coinbase: 'exchanges/branded/coinbase',
  kraken: 'exchanges/branded/kraken',
  okx: 'exchanges/branded/okx',
  bybit: 'exchanges/branded/bybit',
  kucoin: 'exchanges/branded/kucoin',
  bitstamp: 'exchanges/branded/bitstamp',
  gemini: 'exchanges/branded/gemini',
};

const cache = new Map<string, Promise<string | undefined>>();

/** The brand SVG of a provider, or undefined when the package has none for it. */
export function providerIcon(id: string): Promise<string | undefined> {
  const path = Object.hasOwn(ICONS, id) ? ICONS[id] : undefined;
  if (!path) return Promise.resolve(undefined);
  let icon = cache.get(id);
  if (!icon) {
    icon = import(`@web3icons/core/svgs/${path}.svg.js`).then(
      (mod: { default?: unknown }) => (typeof mod.default === 'string' && mod.default.startsWith('<svg') ? mod.default : undefined),
      () => undefined,
    );
    cache.set(id, icon);
  }
  return icon;
}

/** Provider ids that have a brand icon (for tests and docs). */
export const BRANDED_PROVIDERS = Object.keys(ICONS);
