/**
 * helmet with the BFF's policy (docs/security-model.md T24, T26, T30): a same-origin CSP that also admits
 * the connect server for images and (direct mode) API calls, `frame-ancestors 'none'`,
 * `base-uri 'none'`, HSTS one year with subdomains, `Referrer-Policy: no-referrer`.
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(connectUrl: string): RequestHandler {
  const connect = new URL(connectUrl).origin;
  return helmet({
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', connect],
        'connect-src': ["'self'", connect],
        // Iframe mode: the Connect screens in a frame of the connect server.
        'frame-src': [connect],
        'object-src': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      },
    },
  });
}

/** The policy of `/strict-csp.html`: nothing but same-origin scripts, styles and calls. */
export function strictPageCsp(connectUrl: string): string {
  const connect = new URL(connectUrl).origin;
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: ${connect}; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'`;
}
