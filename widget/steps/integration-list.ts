/** Renders integrations (logo, name, address, optional sync status or remove button) — shared by several steps. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Integration } from '../api.ts';
import { format, type Strings } from '../i18n/en.ts';
import { spinner, trashIcon } from '../icons.ts';
import { logo } from './logo.ts';

export const STATUS_KEYS = {
  ONGOING: 'statusOngoing',
  COMPLETED: 'statusCompleted',
  'PARTIALLY SYNCED': 'statusPartial',
  FAILED: 'statusFailed',
  active: 'statusActive',
} as const;

export function shortAddress(address: string | null): string {
  return address && address.length > 16 ? `${address.slice(0, 6)}…${address.slice(-4)}` : (address ?? '');
}

/** What a person calls this account: alias or provider name, and the chain when it differs from the name. */
export function accountName(i: Integration): string {
  const name = i.alias || i.providerPublicName;
  return i.chain && i.chain.toLowerCase() !== name.toLowerCase() ? `${name} · ${i.chain}` : name;
}

export interface ListOptions {
  /** Show each account's sync status badge. */
  status?: boolean;
  /** Offer a remove button on these accounts; `removing` is the one being removed. */
  remove?: { ids: Set<string>; removing?: string; onRemove: (i: Integration) => void };
  /** Smaller rows (consent). */
  compact?: boolean;
}

/** `resolve` gives the logo's URL against the API origin, or undefined once the flow is over (no request then). */
export function integrationList(
  items: Integration[],
  strings: Strings,
  resolve: (path: string) => string | undefined,
  options: ListOptions = {},
): TemplateResult {
  return html`<ul class=${`plain accounts${options.compact ? ' compact' : ''}`}>
    ${items.map((i) => {
      const name = accountName(i);
      const remove = options.remove;
      const busy = remove?.removing === i.id;
      return html`<li class="row account" data-id=${i.id}>
        ${logo(i.logoUrl ? resolve(i.logoUrl) : undefined, i.providerPublicName, options.compact ? 'sm' : 'md')}
        <span class="grow"><strong>${name}</strong> ${
          i.publicAddress ? html`<span class="hint address" title=${i.publicAddress}>${shortAddress(i.publicAddress)}</span>` : nothing
        }</span>
        ${
          options.status
            ? html`<span class=${`badge s-${i.status.split(' ')[0]!.toLowerCase()}`}>${i.status === 'ONGOING' ? spinner : nothing}${strings[STATUS_KEYS[i.status] ?? 'statusActive']}</span>`
            : nothing
        }
        ${
          remove?.ids.has(i.id)
            ? html`<button class="icon-button" type="button" aria-label=${format(strings.removeAccount, { name: `${name} ${shortAddress(i.publicAddress)}`.trim() })}
              ?disabled=${Boolean(remove.removing)} aria-busy=${busy ? 'true' : 'false'} @click=${() => remove.onRemove(i)}>${busy ? spinner : trashIcon}</button>`
            : nothing
        }
      </li>`;
    })}
  </ul>`;
}
