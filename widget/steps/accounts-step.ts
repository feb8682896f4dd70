/**
 * The accounts added so far, with "Add another account". Done detail: `{add: true}` or `{next: true}`;
 * on a resumed session (existing grant) "Confirm" finishes the flow instead of going to consent.
 */
import { html } from 'lit';
import { property } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import type { Integration } from '../api.ts';
import { integrationList } from './integration-list.ts';
import { plusIcon } from '../icons.ts';
import { accountStyles } from './accounts.styles.ts';

export class KryptosAccountsStep extends StepElement {
  static override styles = [shared, accountStyles];

  @property({ attribute: false }) integrations: Integration[] = [];
  /** True on a resumed session: the primary action is "Confirm" rather than "Continue". */
  @property({ type: Boolean }) resumed = false;
  /** Set by the root while it submits (resumed confirm); shows the error it got. */
  @property({ type: Boolean }) busy = false;
  @property() error = '';

  override firstUpdated() {
    this.focusFirst('h2');
  }

  override render() {
    return html`
      <h2>${this.t('accountsTitle')}</h2>
      ${this.integrations.length
        ? integrationList(this.integrations, this.strings, (p) => this.api?.resolve(p))
        : html`<p>${this.t('accountsEmpty')}</p>`}
      <div class="alert" role="alert">${this.error}</div>
      <div class="actions">
        <button class="secondary" type="button" @click=${() => this.done({ add: true })}>${plusIcon} ${this.t('addAnother')}</button>
        <button class="primary" part="primary-button" type="button" ?disabled=${this.busy || !this.integrations.length}
          @click=${() => this.done({ next: true })}>${this.resumed ? this.t('confirm') : this.t('continue')}</button>
      </div>
    `;
  }
}

if (!customElements.get('kryptos-accounts-step')) customElements.define('kryptos-accounts-step', KryptosAccountsStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-accounts-step': KryptosAccountsStep;
  }
}
