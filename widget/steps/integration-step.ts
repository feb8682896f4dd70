/**
 * The integration picker: search, tabs All / Exchanges / Blockchains / Wallets (provider `type`
 * exchange / blockchain / wallet), alphabetical list with logos. In sandbox the providers sandbox refuses
 * stay listed but unavailable, with the reason. Done detail: `{provider}`.
 */
import { html, css } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import type { Provider } from '../api.ts';
import type { StringKey } from '../i18n/en.ts';
import { sandboxProviderNames } from '../errors.ts';
import { logo } from './logo.ts';

const TABS: { id: string; type?: string; label: StringKey }[] = [
  { id: 'all', label: 'tabAll' },
  { id: 'exchange', type: 'exchange', label: 'tabExchanges' },
  { id: 'blockchain', type: 'blockchain', label: 'tabBlockchains' },
  { id: 'wallet', type: 'wallet', label: 'tabWallets' },
];

export class KryptosIntegrationStep extends StepElement {
  static override styles = [
    shared,
    css`
      [role='tablist'] {
        display: flex;
        gap: 0.25rem;
        margin: 0.75rem 0;
        overflow-x: auto;
        border-bottom: 1px solid var(--kc-border);
      }
      [role='tab'] {
        border: 0;
        border-bottom: 3px solid transparent;
        border-radius: 0;
        background: none;
        color: var(--kc-text-secondary);
        padding: 0.5rem 0.75rem;
        white-space: nowrap;
      }
      [role='tab'][aria-selected='true'] {
        color: var(--kc-text-primary);
        border-bottom-color: var(--_kc-fill);
        font-weight: 600;
      }
      .item {
        width: 100%;
        display: flex;
        align-items: center;
        gap: 0.75rem;
        border: 0;
        border-radius: var(--kc-border-radius);
        background: none;
        color: var(--kc-text-primary);
        text-align: left;
        padding: 0.5rem;
      }
      .item[aria-disabled='true'] {
        cursor: not-allowed;
        color: var(--kc-text-secondary);
      }
      .item[aria-disabled='true'] .logo {
        filter: grayscale(1);
        opacity: 0.6;
      }
      .item .why {
        display: block;
        font-size: 0.8125rem;
        color: var(--kc-text-secondary);
      }
      .sandbox {
        margin: 0 0 0.5rem;
        font-size: 0.875rem;
      }
      :host {
        display: flex;
        flex-direction: column;
      }
      #panel {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      /* The list fills the frame's height and scrolls; search and tabs stay in view. */
      .list {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
      }
    `,
  ];

  @property({ attribute: false }) providers: Provider[] = [];

  @state() private query = '';
  @state() private tab = 'all';

  override firstUpdated() {
    this.focusFirst('input');
  }

  override render() {
    const tab = TABS.find((t) => t.id === this.tab)!;
    const q = this.query.trim().toLowerCase();
    const rules = this.session?.sandbox_rules ?? null;
    // Alphabetical, and in sandbox the usable providers first.
    const usable = (p: Provider) => (!rules || rules.providers.includes(p.id) ? 0 : 1);
    const shown = this.providers
      .filter((p) => (!tab.type || p.type === tab.type) && (!q || `${p.publicName} ${p.name} ${p.id}`.toLowerCase().includes(q)))
      .sort((a, b) => usable(a) - usable(b) || a.publicName.localeCompare(b.publicName));
    return html`
      <h2>${this.t('pickerTitle', { app: this.appName })}</h2>
      <label for="search" class="sr-only">${this.t('searchLabel')}</label>
      <input id="search" type="search" autocomplete="off" placeholder=${this.t('searchPlaceholder')} .value=${this.query}
        @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)} />
      <div role="tablist" aria-label=${this.t('tabsLabel')} @keydown=${this.moveTab}>
        ${TABS.map(
          (t) => html`<button role="tab" type="button" id=${`tab-${t.id}`} aria-controls="panel" aria-selected=${t.id === this.tab ? 'true' : 'false'}
            tabindex=${t.id === this.tab ? '0' : '-1'} @click=${() => (this.tab = t.id)}>${this.t(t.label)}</button>`,
        )}
      </div>
      <div id="panel" role="tabpanel" aria-labelledby=${`tab-${this.tab}`}>
        <p class="sr-only" role="status">${this.t('resultCount', { n: shown.length })}</p>
        ${rules ? html`<p class="sandbox hint" id="sandbox-note">${this.t('sandboxNote', { list: sandboxProviderNames(rules, this.strings.locale, 'and') })}</p>` : ''}
        ${
          shown.length
            ? html`<ul class="plain list">
              ${shown.map((p) => {
                const unavailable = Boolean(rules && !rules.providers.includes(p.id));
                return html`<li>
                  <button class="item" type="button" data-provider=${p.id} aria-disabled=${unavailable ? 'true' : 'false'}
                    aria-describedby=${unavailable ? 'sandbox-note' : ''} @click=${() => !unavailable && this.choose(p)}>
                    ${logo(p.logo && this.api ? this.api.resolve(p.logo) : undefined, p.publicName)}
                    <span class="grow">${p.publicName}${unavailable ? html`<span class="why">${this.t('sandboxUnavailable')}</span>` : ''}</span>
                  </button>
                </li>`;
              })}
            </ul>`
            : html`<p>${this.t('noResults')}</p>`
        }
      </div>
    `;
  }

  /** Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation). */
  private moveTab(event: KeyboardEvent) {
    const index = TABS.findIndex((t) => t.id === this.tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.tab = TABS[(next + TABS.length) % TABS.length]!.id;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${this.tab}`)?.focus());
  }

  private choose(provider: Provider) {
    this.track({ type: 'provider_selected', provider: provider.id });
    this.done({ kind: 'provider_chosen', provider });
  }
}

if (!customElements.get('kryptos-integration-step')) customElements.define('kryptos-integration-step', KryptosIntegrationStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-integration-step': KryptosIntegrationStep;
  }
}
