// The demo's calls to its own backend (the BFF). Same origin, cookie session; every
// state-changing call carries the CSRF header the BFF requires.

const CSRF = { 'X-Requested-With': 'kryptos-connect' };

/** JSON call to the BFF; resolves to {status, body}. Never throws for HTTP errors. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json', ...(method === 'GET' ? {} : CSRF) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const json = await response.json().catch(() => null);
  return { status: response.status, body: json };
}

export const demoConfig = () => call('GET', '/api/demo/config');
export const whoAmI = () => call('GET', '/api/demo/me');
export const signIn = (username) => call('POST', '/api/demo/login', { username });
export const signOut = () => call('POST', '/api/demo/logout');

export const getConnection = () => call('GET', '/api/kryptos/connection');
/** The widget hands us a single-use public token; only the BFF can exchange it (it holds the client secret). */
export const exchange = (publicToken) => call('POST', '/api/kryptos/exchange', { public_token: publicToken });
export const disconnect = () => call('DELETE', '/api/kryptos/connection');
export const getData = (resource, query = '') => call('GET', `/api/kryptos/data/${resource}${query}`);
