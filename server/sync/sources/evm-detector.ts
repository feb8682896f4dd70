/**
 * Which EVM chains an address is active on, for the widget's chain chips: on every chain
 * with an RPC configured, a nonce above zero, a native balance, or a balance of a token on
 * the chain's list. Each chain gets a short timeout; a chain that does not answer in time is
 * left out rather than holding the widget up.
 */
import { createPublicClient, getAddress, http, type Hex } from 'viem';
import type { ChainDetector } from '../../context.ts';
import type { SourcesConfig } from '../../config.ts';
import { EVM_CHAINS, EVM_CHAIN_IDS } from '../../catalogue.ts';
import { loadTokenList } from './assets.ts';

const BALANCE_OF = [
  { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] },
] as const;

export const hasEvmRpc = (config: SourcesConfig) => EVM_CHAIN_IDS.some((c) => config.evm[c]?.rpcUrl);

export function createEvmChainDetector(config: SourcesConfig, options: { timeoutMs?: number; fallback?: ChainDetector } = {}): ChainDetector {
  const timeoutMs = options.timeoutMs ?? 3000;
  const chains = EVM_CHAIN_IDS.filter((c) => config.evm[c]?.rpcUrl).map((chain) => ({
    chain,
    client: createPublicClient({ transport: http(config.evm[chain]!.rpcUrl, { batch: true, timeout: timeoutMs, retryCount: 0 }) }),
    tokens: loadTokenList(chain, config.evm[chain]!.tokenListFile, EVM_CHAINS[chain]!.chainId).map((t) => t.contract as Hex),
  }));
  return async (address) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return [];
    const owner = getAddress(address);
    const active = await Promise.all(
      chains.map(async ({ chain, client, tokens }) => {
        const check = (async () => {
          const [nonce, balance] = await Promise.all([client.getTransactionCount({ address: owner }), client.getBalance({ address: owner })]);
          if (nonce > 0 || balance > 0n) return true;
          const held = await Promise.all(
            tokens.map((t) => client.readContract({ address: t, abi: BALANCE_OF, functionName: 'balanceOf', args: [owner] }).catch(() => 0n)),
          );
          return held.some((v) => v > 0n);
        })();
        const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
        return (await Promise.race([check.catch(() => false), timeout])) ? chain : null;
      }),
    );
    const found = active.filter((c): c is string => c !== null);
    if (found.length === 0 && options.fallback) return options.fallback(address);
    return found;
  };
}
