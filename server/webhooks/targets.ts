/**
 * Where webhooks may go (README "Security"). With CONNECT_WEBHOOK_PRIVATE_TARGETS=deny (the
 * default in production) a webhook URL must be https:// to a public address: loopback,
 * private, link-local, carrier-grade NAT, multicast, documentation and other reserved ranges
 * (IPv4, IPv6 and IPv4-mapped IPv6, in any spelling the URL parser accepts) are refused at
 * registration, and again at delivery after DNS resolution, by the lookup the connection
 * itself uses — a name that resolves to a public address at registration and to a private one
 * later (DNS rebinding) is refused too. Deliveries follow no redirects.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { connectError } from '../errors.ts';

/** True for an address on the public internet (ipaddr.js's `unicast` range, IPv4-mapped unwrapped). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');

/** Registration check: refuses what is never a public target, whatever DNS later says. */
export function assertPublicWebhookUrl(raw: string): void {
  const url = new URL(raw);
  const host = hostOf(url).toLowerCase();
  if (url.protocol !== 'https:') throw connectError('INVALID_REQUEST', 'A webhook URL must be https://');
  if (host === 'localhost' || host.endsWith('.localhost') || (!host.includes('.') && !ipaddr.isValid(host))) {
    throw connectError('INVALID_REQUEST', 'A webhook URL must point to a public host');
  }
  if (ipaddr.isValid(host) && !isPublicAddress(host))
    throw connectError('INVALID_REQUEST', 'A webhook URL must point to a public address, not a loopback, private, link-local or reserved one');
}

/** The error every refused or failed delivery records: the deliveries list is no port-scan oracle. */
export const DELIVERY_FAILED = 'Connection failed';

/** A DNS lookup for the delivery socket that answers only public addresses (rebinding-safe). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = (addresses as unknown as LookupAddress[]).filter((a) => isPublicAddress(a.address));
    if (list.length === 0) return callback(Object.assign(new Error('Refused: not a public address'), { code: 'ENOTFOUND' }), '', 0);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

/**
 * POSTs one delivery and answers the status. No redirects (a 3xx is a status like any other),
 * a total timeout, and — when private targets are denied — a public address only, checked on
 * the IP literal or on every address DNS answers at connect time.
 */
export async function postWebhook(raw: string, body: string, headers: Record<string, string>, timeoutMs: number, denyPrivate: boolean): Promise<number> {
  const url = new URL(raw);
  if (denyPrivate) {
    assertPublicWebhookUrl(raw);
  }
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutMs,
        ...(denyPrivate ? { lookup: publicOnlyLookup } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}
