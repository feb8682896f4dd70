/**
 * Webhook signatures (contract 9, with a timestamp against replays). What is signed, exactly:
 *
 *   X-Webhook-Signature = hex( HMAC-SHA256( key = the secret "whsec_…" as UTF-8 bytes,
 *                                           message = X-Webhook-Timestamp + "." + raw body ) )
 *
 * `X-Webhook-Timestamp` is the ISO 8601 time of the attempt (each retry is signed afresh;
 * the body, and so `id`, stays byte-identical). A receiver recomputes the HMAC over the raw
 * bytes it received — never re-serialised JSON — compares in constant time, refuses a
 * timestamp older than its tolerance (5 minutes is the usual choice) and drops an `id` it
 * has already processed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_headers' | 'bad_signature' | 'stale_timestamp' | 'bad_timestamp' };

/** Verifies a delivery: signature over `${timestamp}.${rawBody}` and a timestamp within `toleranceMs` of `now`. */
export function verifyWebhook(
  secret: string,
  headers: { signature?: string | null; timestamp?: string | null },
  rawBody: string | Buffer,
  now: number,
  toleranceMs = 300_000,
): VerifyResult {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: 'missing_headers' };
  const at = Date.parse(timestamp);
  if (!Number.isFinite(at)) return { ok: false, reason: 'bad_timestamp' };
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(now - at) > toleranceMs) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true };
}
