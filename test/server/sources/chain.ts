/**
 * A real local EVM chain for the EVM source tests and the benchmark: ganache in-process on
 * 127.0.0.1, deterministic accounts, and the TestToken ERC-20 compiled from TestToken.sol
 * with solc (paris, so no PUSH0 surprises).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { createPublicClient, createWalletClient, http, parseAbi, type Address, type Hex, type PublicClient, type WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const require = createRequire(import.meta.url);

export const TOKEN_ABI = parseAbi([
  'function transfer(address to, uint256 value) returns (bool)',
  'function spray(address[] to, uint256 value)',
  'function balanceOf(address) view returns (uint256)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);

const compiled = new Map<string, { abi: unknown[]; bytecode: Hex }>();

export const compileTestToken = () => compileContract('TestToken');

/** Compiles `<name>.sol` next to this file and returns its contract `<name>`. */
export function compileContract(name: string): { abi: unknown[]; bytecode: Hex } {
  const hit = compiled.get(name);
  if (hit) return hit;
  const solc = require('solc') as { compile(input: string): string };
  const input = {
    language: 'Solidity',
    sources: { [`${name}.sol`]: { content: readFileSync(new URL(`./${name}.sol`, import.meta.url), 'utf8') } },
    settings: { evmVersion: 'paris', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts[`${name}.sol`]![name]!;
  const result = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` as Hex };
  compiled.set(name, result);
  return result;
}

export type LocalChain = {
  url: string;
  pub: PublicClient;
  /** Wallet clients of ganache's deterministic accounts 0..9. */
  wallets: WalletClient[];
  addresses: Address[];
  deployToken(from: number, name: string, symbol: string, decimals: number, supply: bigint): Promise<Address>;
  /** Deploys the contract of `<name>.sol` (no constructor arguments). */
  deploy(from: number, name: string): Promise<Address>;
  close(): Promise<void>;
};

export async function startLocalChain(): Promise<LocalChain> {
  const ganache = (await import('ganache')).default;
  const server = ganache.server({
    logging: { quiet: true },
    wallet: { deterministic: true, totalAccounts: 10, defaultBalance: 1000 },
    chain: { chainId: 1337 },
  } as never);
  await server.listen(0, '127.0.0.1');
  const { port } = (server as unknown as { address(): AddressInfo }).address();
  const url = `http://127.0.0.1:${port}`;
  const provider = server.provider as unknown as { getInitialAccounts(): Record<string, { secretKey: Hex }> };
  const keys = Object.values(provider.getInitialAccounts()).map((a) => a.secretKey);
  const transport = http(url, { retryCount: 0 });
  const pub = createPublicClient({ transport, pollingInterval: 50 }) as PublicClient;
  const chain = { id: 1337, name: 'ganache', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } } as const;
  const wallets = keys.map((k) => createWalletClient({ account: privateKeyToAccount(k), chain, transport }));
  const addresses = wallets.map((w) => w.account!.address);
  return {
    url,
    pub,
    wallets,
    addresses,
    async deployToken(from, name, symbol, decimals, supply) {
      const { abi, bytecode } = compileTestToken();
      const hash = await wallets[from]!.deployContract({ abi, bytecode, args: [name, symbol, decimals, supply], account: wallets[from]!.account!, chain });
      const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      return receipt.contractAddress!;
    },
    async deploy(from, name) {
      const { abi, bytecode } = compileContract(name);
      const hash = await wallets[from]!.deployContract({ abi, bytecode, account: wallets[from]!.account!, chain });
      const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      return receipt.contractAddress!;
    },
    close: () => server.close(),
  };
}
