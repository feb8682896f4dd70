/** The contract's transaction labels and the type each belongs to (section 8.4, POST v0 in 8.9). */
type TxType = 'deposit' | 'withdrawal' | 'trade' | 'payment';

const BY_TYPE: Record<TxType | 'any', string[]> = {
  trade: [
    'Add Liquidity',
    'Buy',
    'DeFi Swap',
    'Mint NFT',
    'NFT Buy',
    'NFT Sell',
    'Sell',
    'Liquidity Withdrawal',
    'Security Token Offering(STO)',
    'Trade',
    'Swap',
    'Wrap',
    'Unwrap',
    'Buy (Fiat to Crypto)',
    'Sell (Crypto to Fiat)',
    'Cross Chain Swaps',
  ],
  deposit: [
    'Airdrops',
    'Income',
    'Borrow',
    'Bridge Receive',
    'Cashback',
    'Collateral Withdrawal',
    'Farming Rewards',
    'Fiat Deposit',
    'Funding Fee Received',
    'Incoming Gift',
    'Lend Redeem',
    'Loan',
    'Loan Interest',
    'Mining',
    'Realized Profit',
    'Reward',
    'Royalties',
    'Spam',
    'Unstake',
    'Staking Rewards',
    'Deposit',
    'Fork',
    'Rex Withdrawal',
    'Interest',
    'Earn',
    'Vault Withdrawal',
  ],
  withdrawal: [
    'Borrow Interest',
    'Bridge Send',
    'Burn',
    'Casualty Loss',
    'Collateral Deposit',
    'Donations',
    'Expense',
    'Fiat Withdrawal',
    'Funding Fee Paid',
    'ICO investment',
    'Lend',
    'Lost',
    'Outgoing Gift',
    'Realized Loss',
    'Resource Staking',
    'Stake',
    'Stolen',
    'Withdrawal',
    'Rex Deposit',
    'Centralized Stake',
    'Centralized Lending',
    'Vault Deposit',
  ],
  payment: ['Approve', 'Fee', 'Futures Expense', 'Liquidation', 'Loan Payback', 'Margin Fee', 'Payment'],
  any: ['Failed', 'Ignore'],
};

const LABEL_TYPE = new Map<string, TxType | 'any'>(
  Object.entries(BY_TYPE).flatMap(([type, labels]) => labels.map((l) => [l, type as TxType | 'any'] as const)),
);

export const DEFAULT_LABEL: Record<TxType, string> = { deposit: 'Deposit', withdrawal: 'Withdrawal', trade: 'Trade', payment: 'Payment' };

/** Undefined when the label fits the type; otherwise why not. */
export function labelProblem(label: string, type: TxType): string | undefined {
  const t = LABEL_TYPE.get(label);
  if (!t) return `Unknown label "${label.slice(0, 64)}"`;
  if (t !== 'any' && t !== type) return `Label "${label}" belongs to ${t} transactions, not ${type}`;
  return undefined;
}
