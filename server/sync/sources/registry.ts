/**
 * Picks the source for an integration: the sandbox dataset for the published test
 * addresses; EVM chains and EVM wallets by the integration's `chain` (one RPC per chain),
 * Solana, Bitcoin (Esplora) and exchanges (ccxt, by provider id) when configured. Anything
 * not configured gets a source that fails at once and says what is missing — never one that
 * silently returns nothing. Prices: CoinGecko when configured, else the sandbox's walks.
 */
import type { Integration } from '../../db/tables.ts';
import type { Db } from '../../db/database.ts';
import type { SourcesConfig } from '../../config.ts';
import { EVM_CHAINS, findProvider } from '../../catalogue.ts';
import type { AssetInfo, PriceSource, Source } from '../source.ts';
import { createSandboxPriceSource, createSandboxSource, sandboxChainOf } from './sandbox.ts';
import { createUnconfiguredSource } from './unconfigured.ts';
import { createEvmSource } from './evm.ts';
import { loadTokenList } from './assets.ts';
import { createSolanaSource } from './solana.ts';
import { createBitcoinSource } from './bitcoin.ts';
import { createExchangeSource, isSupportedExchange } from './exchange.ts';
import { createCoinGeckoPriceSource } from '../../prices/coingecko.ts';

export type SourceRegistry = {
  sourceFor(integration: Integration): Source;
  prices: PriceSource;
};

export type SourceRegistryOptions = {
  /** Endpoints and keys (`config.sources`); without it only the sandbox works (tests of the runner). */
  config?: SourcesConfig;
  /** Lets the price source reuse prices already stored for the same CoinGecko id. */
  db?: Db;
  /** Exchanges reach their real APIs (production); otherwise only those with an `EXCHANGE_URL_<ID>` do. */
  realExchanges?: boolean;
};

export function createSourceRegistry(options: SourceRegistryOptions = {}): SourceRegistry {
  const { config } = options;
  const tokenLists = new Map<string, AssetInfo[]>();
  const tokensOf = (chain: string) => {
    let list = tokenLists.get(chain);
    if (!list) tokenLists.set(chain, (list = loadTokenList(chain, config?.evm[chain]?.tokenListFile, EVM_CHAINS[chain]?.chainId)));
    return list;
  };
  const sandboxPrices = createSandboxPriceSource();
  return {
    sourceFor(integration) {
      const sandbox = sandboxChainOf(integration);
      if (sandbox) return createSandboxSource(sandbox);
      const provider = findProvider(integration.provider);
      if (provider?.type === 'exchange') {
        const url = config?.exchangeUrls[provider.id];
        if (!config || !isSupportedExchange(provider.id) || (!url && !options.realExchanges))
          return createUnconfiguredSource(`Exchange sync is not configured for ${provider.publicName}`);
        return createExchangeSource({
          exchangeId: provider.id,
          publicName: provider.publicName,
          url,
          timeoutMs: config.timeoutMs,
          minIntervalMs: config.exchangeMinIntervalMs,
        });
      }
      const chain = integration.chain ?? integration.provider;
      if (EVM_CHAINS[chain]) {
        const c = config?.evm[chain];
        if (!config || !c?.rpcUrl) return createUnconfiguredSource(`No RPC configured for ${chain}`);
        return createEvmSource({
          chain,
          rpcUrl: c.rpcUrl,
          explorerUrl: c.explorerUrl,
          explorerApiKey: c.explorerApiKey,
          chainId: EVM_CHAINS[chain].chainId,
          tokens: tokensOf(chain),
          logChunkBlocks: config.logChunkBlocks,
          timeoutMs: config.timeoutMs,
        });
      }
      if (chain === 'solana') {
        if (!config?.solanaRpcUrl) return createUnconfiguredSource('No RPC configured for solana');
        return createSolanaSource({ rpcUrl: config.solanaRpcUrl, timeoutMs: config.timeoutMs });
      }
      if (chain === 'bitcoin') {
        if (!config?.bitcoinEsploraUrl) return createUnconfiguredSource('No Esplora API configured for bitcoin');
        return createBitcoinSource({ url: config.bitcoinEsploraUrl, timeoutMs: config.timeoutMs });
      }
      return createUnconfiguredSource(`No RPC configured for ${chain}`);
    },
    prices: config?.coingeckoUrl
      ? createCoinGeckoPriceSource({ url: config.coingeckoUrl, apiKey: config.coingeckoApiKey, timeoutMs: config.timeoutMs, db: options.db })
      : sandboxPrices,
  };
}
