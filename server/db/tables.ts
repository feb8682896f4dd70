/** The database schema as Kysely sees it. Times are Unix milliseconds (integers). */
import type { IntegrationStatus } from '../../contract/widget-api.ts';
import type { Generated, Insertable, Selectable } from 'kysely';

export type ClientsTable = {
  id: string;
  name: string;
  description: string | null;
  secret_digest: string;
  previous_secret_digest: string | null;
  previous_secret_expires_at: number | null;
  origins: string; // JSON array of origins
  redirect_uris: string; // JSON array
  scopes: string; // space separated
  logo_url: string | null;
  sandbox: number; // 0 | 1
  webhook_url: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  webhook_secret: string | null; // sealed whsec_… (we must replay it to sign)
  webhook_secret_created_at: number | null;
  privacy_policy_url: string | null; // shown on the consent screen
  terms_url: string | null;
};

export type UsersTable = {
  id: string;
  email: string | null;
  is_anonymous: number;
  name: string | null;
  language: string;
  created_at: number;
};

export type WorkspacesTable = {
  id: string;
  name: string;
  owner_id: string;
  base_currency: string;
  transaction_limit: number | null;
  created_at: number;
  cost_basis_method: Generated<'FIFO' | 'LIFO' | 'HIFO' | 'AVERAGE' | 'UK_POOL'>;
  tax_year_start: Generated<string>; // MM-DD
  long_term_days: Generated<number>;
  holding_period: Generated<'calendar' | 'days'>;
  tax_timezone: Generated<string>; // IANA time zone of tax dates
  lot_tracking: Generated<'universal' | 'wallet'>;
  transfer_detection: Generated<number>;
  transfer_window_hours: Generated<number>;
  transfer_tolerance_percent: Generated<string>;
};

export type WorkspaceMembersTable = {
  workspace_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'editor' | 'viewer';
  created_at: number;
};

export type LinkTokensTable = {
  id: string;
  digest: string;
  client_id: string;
  sandbox: number;
  scopes: string;
  user_reference: string | null;
  grant_id: string | null; // set when resumed with a valid access token
  user_id: string | null;
  workspace_id: string | null;
  consented_at: number | null;
  created_at: number;
  expires_at: number;
  signed_in_at: Generated<number | null>; // a resumed session's email step-up
};

export type RateCountersTable = { key: string; window_start: number; count: number };
export type SignInFailuresTable = { email: string; failures: number; window_start: number; lockouts: number; locked_until: number | null };

export type OtpCodesTable = {
  link_token_id: string;
  email: string;
  code_digest: string;
  attempts: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
};

export type IntegrationsTable = {
  id: string;
  workspace_id: string;
  provider: string;
  chain: string | null;
  address: string | null;
  alias: string | null;
  category: 'exchange' | 'wallet' | 'blockchain' | 'unknown';
  credentials: string | null; // sealed JSON, never returned
  fingerprint: string | null; // HMAC of the API key: finds duplicates without storing it
  status: IntegrationStatus; // the contract's values (contract/widget-api.ts)
  message: string | null;
  created_at: number;
  updated_at: number;
  last_synced_at: number | null;
  deleted_at: number | null;
  sync_log: string | null;
  sync_cursor: string | null;
  limit_exceeded: Generated<number>;
  total_transactions: Generated<number>;
  added_by_link_token_id: Generated<string | null>;
};

export type PublicTokensTable = {
  digest: string;
  client_id: string;
  link_token_id: string;
  user_id: string;
  workspace_id: string;
  scopes: string;
  sandbox: number;
  user_reference: string | null;
  grant_id: string | null; // the grant its exchange produced
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
};

export type GrantsTable = {
  id: string;
  client_id: string;
  user_id: string;
  workspace_id: string;
  scopes: string;
  sandbox: number;
  link_token_id: string;
  transaction_limit: number | null;
  enable_limiter: number;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
};

export type AccessTokensTable = {
  digest: string;
  grant_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
};

export type AuditEventsTable = {
  id: Generated<number>;
  client_id: string | null;
  event: string;
  outcome: 'success' | 'failure';
  ip: string | null;
  request_id: string | null;
  details: string; // JSON, masked
  created_at: number;
};

export type MailOutboxTable = {
  id: Generated<number>;
  to_address: string;
  subject: string;
  body: string;
  created_at: number;
};

export type WidgetEventsTable = {
  id: Generated<number>;
  client_id: string;
  link_token_id: string;
  event: string;
  step: string | null;
  reason: string | null;
  session_id: string | null;
  created_at: number;
};

export type AssetsTable = {
  id: string;
  symbol: string;
  name: string;
  chain: string | null;
  contract: string | null;
  decimals: number;
  type: 'native' | 'token' | 'nft' | 'fiat';
  category: string;
  coingecko_id: string | null;
  logo_url: string | null;
  is_spam: number;
};

export type AssetPricesTable = { asset_id: string; day: number; price: string };

export type BalancesTable = { integration_id: string; asset_id: string; workspace_id: string; quantity: string; updated_at: number };

export type TransactionsTable = {
  id: string;
  workspace_id: string;
  integration_id: string;
  external_id: string;
  platform_id: string | null;
  timestamp: number;
  label: string;
  type: 'deposit' | 'withdrawal' | 'trade' | 'payment' | 'transfer';
  description: string | null;
  legs: string;
  is_spam: number;
  is_nft: number;
  is_defi: number;
  is_manual: number;
  is_edited: number;
  failed: number;
  missing_price: number;
  missing_purchase: number;
  import_source: 'API' | 'CSV' | 'Manual';
  raw: string | null;
  total_cost_basis: string | null;
  total_gains: string | null;
  created_at: number;
};

export type AssetCostBasisTable = { workspace_id: string; asset_id: string; quantity: string; cost_basis: string; computed_at: number };

export type TransactionAssetsTable = { transaction_id: string; asset_id: string; workspace_id: string; timestamp: number };

export type DefiPositionsTable = {
  id: string;
  integration_id: string;
  workspace_id: string;
  protocol: string;
  chain: string;
  category: string;
  site_url: string | null;
  logo_url: string | null;
  positions: string;
  is_active: number;
  created_at: number;
  updated_at: number;
};

export type NftsTable = {
  id: string;
  integration_id: string;
  workspace_id: string;
  chain: string;
  contract: string;
  token_id: string;
  name: string | null;
  description: string | null;
  content_type: string | null;
  nft_url: string | null;
  thumbnail_url: string | null;
  erc_type: string;
  amount: string;
  price: string | null;
  is_spam: number;
  collection: string;
  last_sale: string | null;
  created_at: number;
};

export type SyncJobsTable = {
  id: string;
  integration_id: string;
  mode: 'latest' | 'from_start';
  status: 'queued' | 'running' | 'completed' | 'partially_synced' | 'failed';
  attempts: number;
  run_after: number;
  started_at: number | null;
  finished_at: number | null;
  last_error: string | null;
  created_at: number;
};

export type TaxRunsTable = {
  workspace_id: string;
  method: string;
  long_term_days: number;
  tax_year_start: string;
  status: 'completed' | 'stale';
  transactions: number;
  disposals: number;
  computed_at: number;
  settings: string | null;
  currency: Generated<string>;
};
export type TaxLotSelectionsTable = { workspace_id: string; transaction_id: string; asset_id: string; lots: string; updated_at: number };

export type TaxDisposalsTable = {
  id: string;
  workspace_id: string;
  seq: number;
  transaction_id: string;
  asset_id: string;
  kind: 'disposal' | 'fee';
  quantity: string;
  acquired_at: number | null;
  disposed_at: number;
  tax_year: number;
  term: 'short' | 'long';
  proceeds: string;
  cost_basis: string;
  gain: string;
  fee: string;
  lots: string;
  missing_price: number;
  missing_purchase: number;
};

export type TaxIncomeTable = {
  id: string;
  workspace_id: string;
  seq: number;
  transaction_id: string;
  asset_id: string;
  label: string;
  quantity: string;
  received_at: number;
  tax_year: number;
  value: string;
  missing_price: number;
};

export type TaxLotsTable = {
  id: string;
  workspace_id: string;
  seq: number;
  transaction_id: string;
  asset_id: string;
  acquired_at: number;
  quantity: string;
  cost_basis: string;
  wallet_id: string | null;
};

export type LedgerLinesTable = {
  workspace_id: string;
  seq: number;
  line: number;
  transaction_id: string;
  timestamp: number;
  account: string;
  wallet_id: string | null;
  asset_id: string | null;
  quantity: string | null;
  debit: string;
  credit: string;
};

export type ReportsTable = {
  id: string;
  workspace_id: string;
  grant_id: string;
  type: 'capital_gains' | 'income' | 'form_8949' | 'turbotax';
  tax_year: number;
  status: 'queued' | 'running' | 'completed' | 'failed';
  rows: number | null;
  content: string | null;
  error: string | null;
  attempts: Generated<number>;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
};

export type WebhookEventsTable = {
  seq: Generated<number>;
  workspace_id: string;
  event: string;
  integration_id: string | null;
  status: IntegrationStatus | null;
  message: string | null;
  data: string | null;
  created_at: number;
  fanned_out_at: number | null;
};

export type WebhookDeliveriesTable = {
  id: string;
  event_seq: number;
  client_id: string;
  grant_id: string;
  workspace_id: string;
  event: string;
  url: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
};

export type WebhookAttemptsTable = {
  delivery_id: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  created_at: number;
};

export type OauthRequestsTable = {
  id: string;
  digest: string;
  client_id: string;
  sandbox: number;
  issuer: string;
  redirect_uri: string;
  scopes: string;
  state: string;
  nonce: string | null;
  code_challenge: string;
  link_token_id: string | null;
  outcome: 'code' | 'denied' | null;
  created_at: number;
  expires_at: number;
  opened_at: number | null;
  completed_at: number | null;
};

export type OauthCodesTable = {
  digest: string;
  request_id: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  user_id: string;
  public_token: string;
  grant_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
};

export type OauthKeysTable = { kid: string; alg: string; public_jwk: string; private_jwk: string; created_at: number; retired_at: number | null };

export type TransferPairsTable = {
  id: string;
  workspace_id: string;
  out_transaction_id: string;
  in_transaction_id: string;
  asset_id: string;
  origin: 'transferId' | 'named' | 'detected' | 'api';
  status: 'paired' | 'detected' | 'confirmed' | 'undone';
  created_at: number;
  updated_at: number;
};

export type FxRatesTable = { currency: string; day: number; rate: string };

export type Database = {
  oauth_requests: OauthRequestsTable;
  oauth_codes: OauthCodesTable;
  oauth_keys: OauthKeysTable;
  transfer_pairs: TransferPairsTable;
  fx_rates: FxRatesTable;
  tax_runs: TaxRunsTable;
  tax_disposals: TaxDisposalsTable;
  tax_income: TaxIncomeTable;
  tax_lots: TaxLotsTable;
  tax_lot_selections: TaxLotSelectionsTable;
  ledger_lines: LedgerLinesTable;
  reports: ReportsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  assets: AssetsTable;
  asset_prices: AssetPricesTable;
  balances: BalancesTable;
  transactions: TransactionsTable;
  transaction_assets: TransactionAssetsTable;
  defi_positions: DefiPositionsTable;
  nfts: NftsTable;
  sync_jobs: SyncJobsTable;
  asset_cost_basis: AssetCostBasisTable;
  clients: ClientsTable;
  users: UsersTable;
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  link_tokens: LinkTokensTable;
  otp_codes: OtpCodesTable;
  rate_counters: RateCountersTable;
  sign_in_failures: SignInFailuresTable;
  integrations: IntegrationsTable;
  public_tokens: PublicTokensTable;
  grants: GrantsTable;
  access_tokens: AccessTokensTable;
  audit_events: AuditEventsTable;
  mail_outbox: MailOutboxTable;
  widget_events: WidgetEventsTable;
};

export type Client = Selectable<ClientsTable>;
export type LinkToken = Selectable<LinkTokensTable>;
export type Grant = Selectable<GrantsTable>;
export type Integration = Selectable<IntegrationsTable>;
export type User = Selectable<UsersTable>;
export type Workspace = Selectable<WorkspacesTable>;
export type NewIntegration = Insertable<IntegrationsTable>;
