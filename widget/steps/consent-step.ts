/**
 * Review and consent (docs/security-model.md T27). The requested scopes are grouped into a few sentences a person reads
 * in seconds ("See your portfolio and transactions"), each with what it covers in small print; groups that
 * hold a required scope are marked required and cannot be switched off, the others are switches. Below:
 * the accounts shared, links to the app's and Kryptos' privacy policy and terms, and "Allow access"
 * (pinned, so accounts and the button are in view without scrolling). Done detail: `{public_token}`.
 */
import { html, css, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { errorCode } from '../errors.ts';
import type { Integration, Scope } from '../api.ts';
import type { StringKey, Strings } from '../i18n/en.ts';
import { integrationList } from './integration-list.ts';
import { accountStyles } from './accounts.styles.ts';
import { lockIcon, spinner } from '../icons.ts';

type GroupId = 'identity' | 'portfolio' | 'tax' | 'write' | 'offline' | 'other';
const GROUPS: { id: GroupId; title: StringKey; match: (scope: string) => boolean }[] = [
  { id: 'identity', title: 'groupIdentity', match: (s) => ['openid', 'profile', 'email', 'users:read', 'workspace:read'].includes(s) },
  {
    id: 'portfolio',
    title: 'groupPortfolio',
    match: (s) => ['portfolios:read', 'transactions:read', 'balances:read', 'integrations:read', 'defi:read', 'nft:read'].includes(s),
  },
  { id: 'tax', title: 'groupTax', match: (s) => ['tax:read', 'accounting:read', 'reports:read'].includes(s) },
  { id: 'write', title: 'groupWrite', match: (s) => s.endsWith(':write') },
  { id: 'offline', title: 'groupOffline', match: (s) => s === 'offline_access' },
];
/** Accounts listed before "and N more". */
const SHOWN_ACCOUNTS = 3;

interface Group {
  id: GroupId;
  title: string;
  scopes: Scope[];
  required: boolean;
  details: string;
}

/** The translated words for one scope, else the server's description (a scope this widget does not know yet). */
function scopeWords(strings: Strings, scope: Scope, years: number): string {
  const key = `scope_${scope.scope}` as StringKey;
  return key in strings ? strings[key].replace('{years}', String(years)) : scope.description;
}

export function groupScopes(scopes: Scope[], strings: Strings, years: number): Group[] {
  const list = new Intl.ListFormat(strings.locale, { type: 'conjunction' });
  const groups: Group[] = [];
  for (const scope of scopes) {
    const def = GROUPS.find((g) => g.match(scope.scope));
    const id = def?.id ?? 'other';
    let group = groups.find((g) => g.id === id);
    if (!group) {
      group = { id, title: def ? strings[def.title] : strings.groupOther, scopes: [], required: false, details: '' };
      groups.push(group);
    }
    group.scopes.push(scope);
    group.required ||= scope.required;
  }
  for (const g of groups) {
    const words = list.format(g.scopes.map((s) => scopeWords(strings, s, years)));
    g.details = words.charAt(0).toUpperCase() + words.slice(1);
  }
  // In the order people weigh them: who you are, what is read, what may change, for how long.
  return groups.sort((a, b) => order(a.id) - order(b.id));
}
const order = (id: GroupId) => ['identity', 'portfolio', 'tax', 'other', 'write', 'offline'].indexOf(id);

export class KryptosConsentStep extends StepElement {
  static override styles = [
    shared,
    accountStyles,
    css`
      h2 {
        margin-bottom: 0.5rem;
      }
      .groups {
        display: grid;
        gap: 0.25rem;
        margin: 0 0 0.5rem;
      }
      .group {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.375rem 0;
      }
      .group .text {
        flex: 1;
        min-width: 0;
      }
      .group .title {
        display: block;
        font-weight: 600;
        font-size: 0.9375rem;
        margin: 0;
      }
      .group .details {
        display: block;
        font-size: 0.8125rem;
        line-height: 1.35;
        color: var(--kc-text-secondary);
      }
      .required {
        display: inline-flex;
        align-items: center;
        gap: 0.25rem;
        font-size: 0.75rem;
        font-weight: 600;
        color: var(--kc-text-secondary);
        white-space: nowrap;
      }
      /* A switch: a checkbox with role="switch", drawn as a track and a knob. */
      input[role='switch'] {
        appearance: none;
        flex: none;
        width: 44px;
        height: 26px;
        margin: 0;
        border-radius: 999px;
        border: 1px solid var(--kc-secondary);
        background: var(--kc-bg-tertiary);
        position: relative;
        cursor: pointer;
      }
      input[role='switch']::after {
        content: '';
        position: absolute;
        top: 2px;
        left: 2px;
        width: 20px;
        height: 20px;
        border-radius: 50%;
        background: var(--kc-text-secondary);
        transition: transform 0.15s ease-out;
      }
      input[role='switch']:checked {
        background: var(--_kc-fill);
        border-color: var(--_kc-fill);
      }
      input[role='switch']:checked::after {
        transform: translateX(18px);
        background: var(--_kc-on-fill);
      }
      .shared {
        margin: 0.25rem 0 0;
      }
      .label {
        margin: 0.25rem 0;
      }
      .legal {
        font-size: 0.8125rem;
        margin: 0.5rem 0 0;
      }
      .more {
        font-size: 0.875rem;
      }
      @media (prefers-reduced-motion: reduce) {
        input[role='switch']::after {
          transition: none;
        }
      }
    `,
  ];

  @property({ attribute: false }) integrations: Integration[] = [];

  @state() private off = new Set<GroupId>();
  @state() private busy = false;
  @state() private error = '';
  @state() private allAccounts = false;

  override firstUpdated() {
    this.focusFirst('h2');
  }

  private get years(): number {
    return Math.round((this.session?.grant_duration_days ?? 5475) / 365);
  }

  override render() {
    const groups = groupScopes(this.session?.scopes ?? [], this.strings, this.years);
    const accounts = this.allAccounts ? this.integrations : this.integrations.slice(0, SHOWN_ACCOUNTS);
    const hidden = this.integrations.length - accounts.length;
    return html`
      <h2>${this.t('consentTitle', { app: this.appName })}</h2>
      <form @submit=${this.allow}>
        <div>
          <p class="label" id="scopes-label">${this.t('consentScopes', { app: this.appName })}</p>
          <ul class="plain groups" aria-labelledby="scopes-label">
            ${groups.map((g) => this.renderGroup(g))}
          </ul>
          ${groups.some((g) => g.id === 'offline') ? nothing : html`<p class="hint">${this.t('consentDuration', { years: this.years })}</p>`}
        </div>
        ${
          this.integrations.length
            ? html`<div class="shared">
              <p class="label">${this.t('consentAccounts')}</p>
              ${integrationList(accounts, this.strings, (p) => this.api?.resolve(p), { compact: true })}
              ${
                hidden > 0
                  ? html`<button class="link more" type="button" @click=${() => (this.allAccounts = true)}>${this.t('consentMore', { n: hidden })}</button>`
                  : nothing
              }
            </div>`
            : nothing
        }
        ${this.renderLegal()}
        <div class="alert" role="alert">${this.error}</div>
        <div class="actions">
          <button class="primary" part="primary-button" type="submit" ?disabled=${this.busy} aria-busy=${this.busy ? 'true' : 'false'}>
            ${this.busy ? spinner : nothing}${this.t('allow')}
          </button>
        </div>
      </form>
    `;
  }

  private renderGroup(g: Group) {
    const id = `group-${g.id}`;
    const details = g.id === 'offline' ? this.t('consentDuration', { years: this.years }) : g.details;
    return html`<li class="group" data-group=${g.id}>
      <span class="text">
        ${g.required ? html`<span class="title">${g.title}</span>` : html`<label class="title" for=${id}>${g.title}</label>`}
        <span class="details" id=${`${id}-details`}>${details}</span>
      </span>
      ${
        g.required
          ? html`<span class="required" id=${id}>${lockIcon}${this.t('consentLocked')}</span>`
          : html`<input type="checkbox" role="switch" id=${id} .checked=${!this.off.has(g.id)} aria-describedby=${`${id}-details`}
            @change=${() => this.toggle(g.id)} />`
      }
    </li>`;
  }

  /** The app's privacy policy and terms (client settings), then Kryptos' own (pages on the connect server). */
  private renderLegal() {
    const client = this.session?.client;
    const ours = this.session?.legal;
    const link = (href: string | null | undefined, owner: string, doc: 'privacyPolicy' | 'terms') =>
      href && /^https?:\/\//i.test(href)
        ? html`<a href=${href} target="_blank" rel="noopener noreferrer" aria-label=${this.t('legalLink', { owner, doc: this.t(doc) })}>${this.t(doc)}</a>`
        : undefined;
    const pair = (owner: string, privacy?: string | null, terms?: string | null) => {
      const links = [link(privacy, owner, 'privacyPolicy'), link(terms, owner, 'terms')].filter((l) => l !== undefined);
      return links.length ? html`<span class="owner">${owner}: ${links.map((l, i) => html`${i ? ' · ' : ''}${l}`)}</span>` : undefined;
    };
    const parts = [pair(this.appName, client?.privacy_policy_url, client?.terms_url), pair('Kryptos', ours?.privacy_policy_url, ours?.terms_url)].filter(
      (p) => p !== undefined,
    );
    if (!parts.length) return nothing;
    return html`<p class="legal hint">${this.t('consentLegal')} ${parts.map((p, i) => html`${i ? ' — ' : ''}${p}`)}</p>`;
  }

  private toggle(group: GroupId) {
    const next = new Set(this.off);
    if (next.has(group)) next.delete(group);
    else next.add(group);
    this.off = next;
  }

  private async allow(event: Event) {
    event.preventDefault();
    const groups = groupScopes(this.session?.scopes ?? [], this.strings, this.years);
    const scopes = groups.filter((g) => g.required || !this.off.has(g.id)).flatMap((g) => g.scopes.map((s) => s.scope));
    // In the order the app asked for them.
    const ordered = (this.session?.scopes ?? []).map((s) => s.scope).filter((s) => scopes.includes(s));
    this.busy = true;
    this.error = '';
    try {
      const { public_token, redirect_to } = await this.api!.consent(ordered);
      this.done({ kind: 'consented', public_token: public_token ?? null, ...(redirect_to ? { redirect_to } : {}) });
    } catch (error) {
      this.error = this.describe(error);
      this.track({ type: 'error', code: errorCode(error) });
    } finally {
      this.busy = false;
    }
  }
}

if (!customElements.get('kryptos-consent-step')) customElements.define('kryptos-consent-step', KryptosConsentStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-consent-step': KryptosConsentStep;
  }
}
