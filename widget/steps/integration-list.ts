/** Renders integrations (logo, name, address, optional sync status) — shared by several steps. */
import { html, nothing } from 'lit';
import type { Integration } from '../api.ts';
import type { Strings } from '../i18n/en.ts';

const STATUS_KEYS = {
  ONGOING: 'statusOngoing',
  COMPLETED: 'statusCompleted',
  'PARTIALLY SYNCED': 'statusPartial',
  FAILED: 'statusFailed',
  active: 'statusActive',
} as const;

const logo = (src: string | undefined) => (src ? html`<img class="logo" src=${src} alt="" />` : html`<span class="logo"></span>`);

export function shortAddress(address: string | null): string {
  return address && address.length > 16 ? `${address.slice(0, 6)}…${address.slice(-4)}` : (address ?? '');
}

/** `resolve` gives the logo's URL against the API origin, or undefined once the flow is over (no request then). */
export function integrationList(items: Integration[], strings: Strings, resolve: (path: string) => string | undefined, withStatus = false) {
  return html`<ul class="plain accounts">
    ${items.map(
      (i) => html`<li class="row account">
        ${logo(i.logoUrl ? resolve(i.logoUrl) : undefined)}
        <span class="grow"><strong>${i.alias || i.providerPublicName}</strong>${i.chain ? html` · ${i.chain}` : nothing}
          ${i.publicAddress ? html`<br /><span class="hint" title=${i.publicAddress}>${shortAddress(i.publicAddress)}</span>` : nothing}</span>
        ${withStatus ? html`<span class=${`badge s-${i.status.split(' ')[0]!.toLowerCase()}`}>${strings[STATUS_KEYS[i.status] ?? 'statusActive']}</span>` : nothing}
      </li>`,
    )}
  </ul>`;
}
