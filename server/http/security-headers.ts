/**
 * helmet with the overrides docs/security-model.md decides (decision 6): HSTS one year with
 * subdomains, `base-uri 'none'`, `frame-ancestors 'none'` (the server itself renders no
 * framable page), `Referrer-Policy: no-referrer`, and CORP `cross-origin` only on the
 * assets partners load from other origins (the catalogue logos).
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(): RequestHandler {
  return helmet({
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'style-src': ["'self'"],
        'script-src': ["'self'"],
        'connect-src': ["'self'"],
      },
    },
  });
}

export const crossOriginResource: RequestHandler = (_req, res, next) => {
  res.set('Cross-Origin-Resource-Policy', 'cross-origin');
  next();
};
