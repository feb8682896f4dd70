/**
 * Connect one account of the chosen provider: a wallet address (validated live through
 * `POST /widget/address/chains`, debounced 500 ms, with removable EVM chain chips) or an exchange
 * READ-ONLY API key form built from `credentialFields`. In sandbox the rules are said while typing (only the
 * test address) and a provider sandbox refuses is explained up front. Done detail: `{integrations, fresh?}`
 * (`fresh: false` for accounts that were already there), or `{choose: true}` to pick another provider.
 */
import { html, css, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { errorCode, isChecksumError } from '../errors.ts';
import { toWidgetApiError, type AddressInfo, type CredentialField, type Integration, type NewIntegration, type Provider } from '../api.ts';
import type { StringKey } from '../i18n/en.ts';
import { spinner, xSmallIcon } from '../icons.ts';
import { logo } from './logo.ts';

export interface Prefill {
  address?: string;
  apiKey?: string;
  secretKey?: string;
  password?: string;
}

const DETECT_DELAY_MS = 500;
const GUIDES: Record<string, StringKey> = { exchange: 'guideExchange', wallet: 'guideWallet', blockchain: 'guideChain' };
const FIELD_LABELS: Record<string, StringKey> = {
  apiKey: 'fieldApiKey',
  secretKey: 'fieldSecretKey',
  password: 'fieldPassword',
  address: 'fieldAddress',
};

export class KryptosConnectStep extends StepElement {
  static override styles = [
    shared,
    css`
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .chips li {
        display: inline-flex;
        align-items: center;
        gap: 0.25rem;
        padding: 0 0 0 0.75rem;
        border: 1px solid var(--kc-border);
        border-radius: 999px;
        background: var(--kc-bg-secondary);
        font-size: 0.875rem;
        text-transform: capitalize;
      }
      .chips button {
        min-height: 32px;
        min-width: 32px;
        padding: 0;
        border: 0;
        border-radius: 999px;
        background: none;
        color: var(--kc-text-secondary);
      }
      .note {
        border-left: 3px solid var(--kc-warning);
        padding: 0.5rem 0.75rem;
        background: var(--kc-bg-secondary);
        color: var(--kc-text-primary);
        font-size: 0.875rem;
      }
      .header {
        margin-bottom: 0.75rem;
      }
      .header h2 {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) provider?: Provider;
  /** Editable defaults (`prefill` of `<kryptos-connect>`). */
  @property({ attribute: false }) prefill: Prefill = {};

  @state() private values: Record<string, string> = {};
  @state() private info?: AddressInfo;
  @state() private checking = false;
  @state() private addressError = '';
  @state() private chains: string[] = [];
  @state() private busy = false;
  @state() private error?: { message: string; code: string; existing?: Integration[] };
  /** The typed address is valid but sandbox accepts only the test address: said at once, not on submit. */
  @state() private offTestAddress = false;
  private detectTimer?: ReturnType<typeof setTimeout>;
  private detectSeq = 0;

  override connectedCallback() {
    super.connectedCallback();
    const p = this.prefill ?? {};
    this.values = Object.fromEntries(Object.entries(p).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.detectTimer);
  }

  override firstUpdated() {
    if (this.values.address && this.isAddressForm) void this.detect();
    this.focusFirst();
  }

  private get fields(): CredentialField[] {
    return this.provider?.credentialFields ?? [];
  }

  private get isAddressForm(): boolean {
    return this.fields.some((f) => f.name === 'address');
  }

  /** The provider's own chain: its id when it is a chain, else the first chain it lists. */
  private get ownChain(): string | undefined {
    const chains = this.provider?.chains ?? [];
    return chains.includes(this.provider?.id ?? '') ? this.provider!.id : chains[0];
  }

  private get offersChains(): boolean {
    return (this.provider?.chains.length ?? 0) > 0 && this.info?.kind === 'evm' && this.info.valid;
  }

  override render() {
    const provider = this.provider;
    if (!provider) return nothing;
    const name = provider.publicName;
    return html`
      <div class="row header">
        ${logo(provider.logo && this.api ? this.api.resolve(provider.logo) : undefined, name)}
        <h2 class="grow">${this.t('addTitle', { name })}</h2>
      </div>
      ${
        this.sandboxRefuses
          ? this.renderRefusal(this.describe({ code: 'SANDBOX_PROVIDER_NOT_ALLOWED' }))
          : this.fields.length === 0
            ? this.renderRefusal(this.t('notSupported', { name }))
            : html`<form novalidate @submit=${this.submit}>
              ${this.isAddressForm ? this.renderAddress() : this.renderKeys()}
              ${this.renderError()}
              <div class="actions">
                <button class="primary" part="primary-button" type="submit" ?disabled=${this.busy} aria-busy=${this.busy ? 'true' : 'false'}>
                  ${this.busy ? html`${spinner}${this.t('working')}` : this.t('addAccount')}
                </button>
              </div>
            </form>`
      }
    `;
  }

  /** Sandbox clients may add only the providers the session's rules list (the server refuses the others too). */
  private get sandboxRefuses(): boolean {
    const rules = this.session?.sandbox_rules;
    return Boolean(rules && this.provider && !rules.providers.includes(this.provider.id));
  }

  /** The sandbox test address of this provider (or of its own chain), when the session is in sandbox. */
  private get testAddress(): string | undefined {
    const rules = this.session?.sandbox_rules;
    return rules ? (rules.addresses[this.provider!.id] ?? rules.addresses[this.ownChain ?? '']) : undefined;
  }

  private renderRefusal(message: string) {
    return html`<p class="alert" role="alert">${message}</p>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => this.done({ kind: 'choose_another' })}>${this.t('chooseAnother')}</button>
      </div>`;
  }

  private renderAddress() {
    const name = this.provider!.publicName;
    const status = this.checking
      ? this.t('addressChecking')
      : this.addressError
        ? ''
        : this.info?.valid
          ? this.t('addressValid', { kind: this.info.kind.toUpperCase() })
          : '';
    return html`
      <div>
        <label for="address">${this.t('addressLabel')}</label>
        <input id="address" name="address" autocomplete="off" spellcheck="false" .value=${this.values.address ?? ''}
          aria-invalid=${this.addressError ? 'true' : 'false'} aria-describedby="address-status address-error"
          @input=${this.typeAddress} />
        <p class="hint ok" id="address-status" role="status">${this.checking ? spinner : nothing}${status}</p>
        <p class="hint alert-text" id="address-error" role="alert">${this.addressError}</p>
        ${
          this.addressError && this.offTestAddress && this.testAddress
            ? html`<button class="secondary" type="button" @click=${() => this.useAddress(this.testAddress!)}>${this.t('useTestAddress')}</button>`
            : nothing
        }
      </div>
      ${
        this.offersChains
          ? html`<div>
            <p class="label" id="chains-label">${this.t('chainsLabel')}</p>
            ${
              this.chains.length
                ? html`<ul class="plain chips" aria-labelledby="chains-label">
                    ${this.chains.map(
                      (chain) => html`<li>${chain}<button type="button" aria-label=${this.t('removeChain', { chain })}
                        @click=${() => this.removeChain(chain)}>${xSmallIcon}</button></li>`,
                    )}
                  </ul>
                  <button class="link" type="button" @click=${this.removeAllChains}>${this.t('removeAll')}</button>`
                : html`<p class="hint">${this.t('noChains', { name })}</p>`
            }
          </div>`
          : nothing
      }
      ${this.renderGuide()}
    `;
  }

  private renderKeys() {
    const name = this.provider!.publicName;
    return html`
      <p class="note">${this.t('readOnlyKey', { name })}</p>
      ${this.renderGuide()}
      ${this.fields.map(
        (f) => html`<div>
          <label for=${`f-${f.name}`}>${FIELD_LABELS[f.name] ? this.t(FIELD_LABELS[f.name]!) : f.label}${
            f.required ? html`<span class="sr-only"> (${this.t('required')})</span>` : nothing
          }</label>
          <input id=${`f-${f.name}`} name=${f.name} type=${f.secret ? 'password' : 'text'} autocomplete="off" spellcheck="false"
            ?required=${f.required} .value=${this.values[f.name] ?? ''}
            @input=${(e: Event) => (this.values = { ...this.values, [f.name]: (e.target as HTMLInputElement).value })} />
        </div>`,
      )}
    `;
  }

  /** A link to the provider's guide when the catalogue has one, else the translated steps for its kind. */
  private renderGuide() {
    const guide = this.provider?.importGuide;
    // Only http(s) links: the catalogue is data, and a `javascript:` URL must never become a link.
    if (guide && /^https?:\/\//i.test(guide)) {
      return html`<p class="hint"><a href=${guide} target="_blank" rel="noopener noreferrer">${this.t('importGuide')}</a></p>`;
    }
    const key = GUIDES[this.provider?.type ?? ''];
    return key ? html`<p class="hint">${this.t(key, { name: this.provider!.publicName })}</p>` : nothing;
  }

  private renderError() {
    const error = this.error;
    const testAddress = this.offTestAddress ? undefined : this.testAddress;
    return html`<div class="alert" role="alert">${
      error
        ? html`${error.message}${
            error.code === 'SANDBOX_ADDRESS_NOT_ALLOWED' && testAddress && this.isAddressForm
              ? html`<br /><button class="secondary" type="button" @click=${() => this.useAddress(testAddress)}>${this.t('useTestAddress')}</button>`
              : nothing
          }${
            error.code === 'ALREADY_CONNECTED'
              ? html`<br /><button class="secondary" type="button" @click=${() => this.showExisting(error.existing)}>${this.t('continue')}</button>`
              : nothing
          }`
        : nothing
    }</div>`;
  }

  /** In sandbox: a valid address that is not the provider's published test address (compared as the server does). */
  private isOffTestAddress(address: string): boolean {
    const test = this.testAddress;
    if (!this.session?.sandbox_rules || !test) return false;
    return this.info?.kind === 'evm' ? address.toLowerCase() !== test.toLowerCase() : address !== test;
  }

  private typeAddress(event: Event) {
    this.values = { ...this.values, address: (event.target as HTMLInputElement).value };
    this.addressError = '';
    this.offTestAddress = false;
    this.info = undefined;
    clearTimeout(this.detectTimer);
    this.detectTimer = setTimeout(() => void this.detect(), DETECT_DELAY_MS);
  }

  private useAddress(address: string) {
    this.values = { ...this.values, address };
    this.error = undefined;
    void this.detect();
  }

  /** Validates the address and pre-selects the EVM chains it is active on (else the provider's own chain). */
  private async detect() {
    const address = (this.values.address ?? '').trim();
    const seq = ++this.detectSeq;
    if (!address) return;
    this.checking = true;
    try {
      const info = await this.api!.detectChains(address);
      if (seq !== this.detectSeq) return;
      this.info = info;
      this.offTestAddress = info.valid && this.isOffTestAddress(info.address);
      this.addressError = !info.valid
        ? this.t('addressInvalid')
        : info.checksum_ok === false
          ? this.t('addressChecksum')
          : this.offTestAddress
            ? this.t('errSandboxAddress', { address: this.testAddress ?? '' })
            : '';
      const own = this.ownChain;
      this.chains = info.chains.length ? [...info.chains] : own ? [own] : [];
    } catch (error) {
      if (seq !== this.detectSeq) return;
      this.info = undefined;
      this.offTestAddress = false;
      this.chains = [];
      this.addressError = errorCode(error) === 'INVALID_ADDRESS' && !isChecksumError(error) ? this.t('addressInvalid') : this.describe(error);
    } finally {
      if (seq === this.detectSeq) this.checking = false;
    }
  }

  private removeChain(chain: string) {
    this.chains = this.chains.filter((c) => c !== chain);
    this.focusFirst('.chips button, #address');
  }

  private removeAllChains() {
    this.chains = [];
    this.focusFirst('#address');
  }

  private async submit(event: Event) {
    event.preventDefault();
    // The server's answer decides now; a check still waiting for its debounce would only repeat it.
    clearTimeout(this.detectTimer);
    const provider = this.provider!;
    const body: NewIntegration = { provider: provider.id };
    if (this.isAddressForm) {
      body.address = (this.values.address ?? '').trim();
      if (!body.address) return this.fail('INVALID_ADDRESS', this.t('errInvalidAddress'), '#address');
      if (this.offersChains && this.chains.length) body.chains = [...this.chains];
    } else {
      const missing = this.fields.find((f) => f.required && !(this.values[f.name] ?? '').trim());
      if (missing) return this.fail('MISSING_CREDENTIALS', this.t('errMissingCredentials'), `#f-${missing.name}`);
      const v = this.values;
      body.credentials = { apiKey: v.apiKey?.trim() ?? '', secretKey: v.secretKey?.trim() ?? '' };
      if (v.password) body.credentials.password = v.password;
    }
    this.busy = true;
    this.error = undefined;
    this.track({ type: 'credentials_submitted', provider: provider.id });
    try {
      const integrations: Integration[] = await this.api!.addIntegration(body);
      this.done({ kind: 'connected', integrations, fresh: true });
    } catch (error) {
      const apiError = toWidgetApiError(error);
      const existing = (apiError.data as { existing?: Integration[] } | undefined)?.existing;
      this.fail(apiError.code, this.describe(error), undefined, Array.isArray(existing) ? existing : undefined);
    } finally {
      this.busy = false;
    }
  }

  private fail(code: string, message: string, focus?: string, existing?: Integration[]) {
    this.error = { code, message, existing };
    this.track({ type: 'error', code, provider: this.provider?.id });
    if (focus) this.focusFirst(focus);
  }

  /** ALREADY_CONNECTED: the server named the accounts that are there already; continue with them (no listing needed). */
  private showExisting(existing: Integration[] | undefined) {
    this.done({ kind: 'connected', integrations: existing ?? [], fresh: false });
  }
}

if (!customElements.get('kryptos-connect-step')) customElements.define('kryptos-connect-step', KryptosConnectStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-connect-step': KryptosConnectStep;
  }
}
