/**
 * The parameters of the OAuth endpoints. Unknown parameters are ignored, as RFC 6749 3.1 and
 * 3.2 require; every known one is a single string of bounded length (a repeated parameter is
 * refused before these schemas see it).
 */
import { z } from 'zod';

const text = (max: number) => z.string().max(max);
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x20-\x7e]+$/, 'printable ASCII only');

export const AuthorizeParams = z.object({
  response_type: text(64).optional(),
  client_id: text(64),
  redirect_uri: text(500),
  scope: text(1024).optional(),
  state: printable(512).optional(),
  nonce: printable(255).optional(),
  code_challenge: text(128).optional(),
  code_challenge_method: text(16).optional(),
  response_mode: text(32).optional(),
  prompt: text(64).optional(),
  request: text(8192).optional(),
  request_uri: text(500).optional(),
  login_hint: text(254).optional(),
  ui_locales: text(64).optional(),
  max_age: text(16).optional(),
});

const ClientCredentials = { client_id: text(64).optional(), client_secret: text(128).optional() };

export const TokenBody = z.object({
  grant_type: text(64),
  code: text(128).optional(),
  redirect_uri: text(500).optional(),
  code_verifier: text(128).optional(),
  ...ClientCredentials,
});

export const RevokeBody = z.object({ token: text(128), token_type_hint: text(32).optional(), ...ClientCredentials });
export const IntrospectBody = RevokeBody;
