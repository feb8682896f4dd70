/**
 * The widget API's contract (docs/widget-api.md): the shapes `/widget/*` answers with and
 * accepts. Types only — the server checks its views against them with `satisfies`, the
 * widget imports them with `import type`, so the two cannot drift apart unnoticed.
 */
export interface Scope {
  scope: string;
  description: string;
  required: boolean;
}
export interface User {
  id: string;
  email: string | null;
  is_anonymous: boolean;
}
export interface Workspace {
  id: string;
  name: string;
  role?: string;
}
export interface SandboxRules {
  providers: string[];
  addresses: Record<string, string>;
  /** Display names of `providers` (`{ethereum: 'Ethereum'}`); older servers omit it. */
  provider_names?: Record<string, string>;
}
export interface Session {
  client: { name: string; logo_url: string | null; privacy_policy_url?: string | null; terms_url?: string | null };
  /** Kryptos' own privacy policy and terms (pages on the connect server); older servers omit it. */
  legal?: { privacy_policy_url: string; terms_url: string };
  scopes: Scope[];
  sandbox: boolean;
  sandbox_rules: SandboxRules | null;
  auth_methods: string[];
  user: User | null;
  workspace: Workspace | null;
  workspaces: Workspace[];
  /** Signed in (email code, or a guest) during this link token; on a resumed session, only after the email step-up. */
  signed_in_this_session: boolean;
  has_existing_grant: boolean;
  grant_duration_days: number;
  consented: boolean;
  expires_at: string;
}
export type CredentialName = 'apiKey' | 'secretKey' | 'password' | 'address';
export interface CredentialField {
  name: CredentialName;
  label: string;
  required: boolean;
  secret: boolean;
}
export interface Provider {
  id: string;
  name: string;
  publicName: string;
  logo: string | null;
  type: string;
  isEVM?: boolean;
  importGuide?: string | null;
  credentialFields: CredentialField[];
  chains: string[];
  sandboxAllowed: boolean;
}
export type IntegrationStatus = 'ONGOING' | 'COMPLETED' | 'PARTIALLY SYNCED' | 'FAILED' | 'active';
export interface Integration {
  id: string;
  provider: string;
  providerPublicName: string;
  publicAddress: string | null;
  chain: string | null;
  alias: string | null;
  category: string;
  status: IntegrationStatus;
  message: string | null;
  addedOn: string | number | null;
  lastSyncedAt: string | number | null;
  logoUrl: string | null;
}
export interface AddressInfo {
  address: string;
  kind: 'evm' | 'solana' | 'bitcoin';
  valid: boolean;
  checksum_ok: boolean;
  checksummed?: boolean;
  chains: string[];
}
export interface NewIntegration {
  provider: string;
  address?: string;
  chains?: string[];
  credentials?: { apiKey: string; secretKey: string; password?: string };
  alias?: string;
}
export type ExitStep = 'auth' | 'otp' | 'workspace' | 'integrations' | 'connect' | 'consent' | 'success' | 'unknown';
export interface SignedIn {
  user: User;
  workspace: Workspace | null;
  workspaces?: Workspace[];
}
/** The signed-in part of the session (`GET /widget/session` and the sign-in answers carry it). */
export type SessionSignIn = Pick<Session, 'user' | 'workspace' | 'workspaces' | 'signed_in_this_session'>;
