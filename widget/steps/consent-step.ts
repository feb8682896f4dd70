/**
 * Review and consent (docs/security-model.md T27): the app name, every requested scope in plain words, the grant
 * duration and the accounts shared. Optional scopes can be unticked; required ones are locked.
 * Done detail: `{public_token}` from `POST /widget/consent`.
 */
import { html, css } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { errorCode } from '../errors.ts';
import type { Integration } from '../api.ts';
import { integrationList } from './integration-list.ts';
import { accountStyles } from './accounts.styles.ts';

export class KryptosConsentStep extends StepElement {
  static override styles = [
    shared,
    accountStyles,
    css`
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
      }
      legend {
        font-weight: 600;
        margin-bottom: 0.5rem;
        padding: 0;
      }
      .scope {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.375rem 0;
      }
      .scope input {
        width: 20px;
        height: 20px;
        flex: none;
        accent-color: var(--_kc-fill);
      }
      .scope label {
        font-weight: 400;
        margin: 0;
        flex: 1;
      }
      .locked {
        font-size: 0.75rem;
        color: var(--kc-text-secondary);
      }
      .duration {
        font-weight: 600;
        color: var(--kc-text-primary);
      }
    `,
  ];

  @property({ attribute: false }) integrations: Integration[] = [];

  @state() private unticked = new Set<string>();
  @state() private busy = false;
  @state() private error = '';

  override firstUpdated() {
    this.focusFirst('h2');
  }

  override render() {
    const scopes = this.session?.scopes ?? [];
    const years = Math.round((this.session?.grant_duration_days ?? 5475) / 365);
    return html`
      <h2>${this.t('consentTitle', { app: this.appName })}</h2>
      <form @submit=${this.allow}>
        <fieldset>
          <legend>${this.t('consentScopes', { app: this.appName })}</legend>
          ${scopes.map(
            (s, i) => html`<div class="scope">
              <input type="checkbox" id=${`scope-${i}`} .checked=${s.required || !this.unticked.has(s.scope)} ?disabled=${s.required}
                aria-describedby=${s.required ? `locked-${i}` : ''} @change=${() => this.toggle(s.scope)} />
              <label for=${`scope-${i}`}>${s.description}</label>
              ${s.required ? html`<span class="locked" id=${`locked-${i}`}>${this.t('consentLocked')}</span>` : ''}
            </div>`,
          )}
        </fieldset>
        <p class="duration">${this.t('consentDuration', { years })}</p>
        ${this.integrations.length
          ? html`<div>
              <p class="label">${this.t('consentAccounts')}</p>
              ${integrationList(this.integrations, this.strings, (p) => this.api?.resolve(p))}
            </div>`
          : ''}
        <div class="alert" role="alert">${this.error}</div>
        <button class="primary" part="primary-button" type="submit" ?disabled=${this.busy}>${this.t('allow')}</button>
      </form>
    `;
  }

  private toggle(scope: string) {
    const next = new Set(this.unticked);
    if (next.has(scope)) next.delete(scope);
    else next.add(scope);
    this.unticked = next;
  }

  private async allow(event: Event) {
    event.preventDefault();
    const scopes = (this.session?.scopes ?? []).filter((s) => s.required || !this.unticked.has(s.scope)).map((s) => s.scope);
    this.busy = true;
    this.error = '';
    try {
      const { public_token } = await this.api!.consent(scopes);
      this.done({ public_token });
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
