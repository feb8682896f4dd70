/**
 * Picks the source for an integration: the sandbox dataset for the published test
 * addresses; for anything else, until the EVM, Solana, Bitcoin and exchange sources land,
 * a source that fails and says what is missing.
 */
import type { Integration } from '../../db/tables.ts';
import { findProvider } from '../../catalogue.ts';
import type { PriceSource, Source } from '../source.ts';
import { createSandboxPriceSource, createSandboxSource, sandboxChainOf } from './sandbox.ts';
import { createUnconfiguredSource } from './unconfigured.ts';

export type SourceRegistry = {
  sourceFor(integration: Integration): Source;
  prices: PriceSource;
};

export function createSourceRegistry(): SourceRegistry {
  return {
    sourceFor(integration) {
      const sandbox = sandboxChainOf(integration);
      if (sandbox) return createSandboxSource(sandbox);
      const provider = findProvider(integration.provider);
      if (provider?.type === 'exchange') return createUnconfiguredSource(`Exchange sync is not configured for ${provider.publicName}`);
      const chain = integration.chain ?? integration.provider;
      return createUnconfiguredSource(`No RPC configured for ${chain}`);
    },
    prices: createSandboxPriceSource(),
  };
}
