// Shared by the three framework apps: how a partner page gets its link token and where the widget API lives.
// The page never holds the client secret: `/api/link-token` is the partner's own backend (server.ts here),
// which calls the connect server's `POST /link-token` with the client credentials.

/** The connect server origin (direct mode: the widget calls `${apiBase}/widget/*` over CORS). */
export const apiBase = new URLSearchParams(location.search).get('api') ?? '';

/** What `generateLinkToken` resolves to: `{link_token, expires_at, isAuthorized}` from the partner backend. */
export async function generateLinkToken() {
  const response = await fetch('/api/link-token', { method: 'POST', headers: { 'X-Requested-With': 'kryptos-connect' } });
  if (!response.ok) throw new Error(`link token helper answered ${response.status}`);
  return response.json();
}

/** A `connect-error` detail as the apps show it: name, code and whether it is a real Error. */
export function describeError(error) {
  return JSON.stringify({ name: error?.name, code: error?.code, isError: error instanceof Error });
}
