/**
 * The accounts that will be shared, with "Add another account" and a remove button on the accounts the
 * user may remove here (those added in this flow; in a signed-in flow, every listed one). Done detail:
 * `{add: true}`, `{removed: id}` (after `DELETE /widget/integrations/:id` succeeded) or `{next: true}`;
 * on a resumed session (existing grant) "Confirm" finishes the flow instead of going to consent.
 */
import { html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import type { Integration } from '../api.ts';
import { errorCode } from '../errors.ts';
import { accountName, integrationList } from './integration-list.ts';
import { plusIcon, spinner } from '../icons.ts';
import { accountStyles } from './accounts.styles.ts';

export class KryptosAccountsStep extends StepElement {
  static override styles = [shared, accountStyles];

  @property({ attribute: false }) integrations: Integration[] = [];
  /** Ids of the accounts that get a remove button. */
  @property({ attribute: false }) removable = new Set<string>();
  /** True on a resumed session: the primary action is "Confirm" rather than "Continue". */
  @property({ type: Boolean }) resumed = false;
  /** Set by the root while it submits (resumed confirm); shows the error it got. */
  @property({ type: Boolean }) busy = false;
  @property() error = '';

  @state() private removing?: string;
  @state() private removeError = '';
  @state() private notice = '';

  override firstUpdated() {
    this.focusFirst('h2');
  }

  override render() {
    return html`
      <h2>${this.t('accountsTitle')}</h2>
      ${
        this.integrations.length
          ? integrationList(this.integrations, this.strings, (p) => this.api?.resolve(p), {
              remove: { ids: this.removable, removing: this.removing, onRemove: (i) => void this.removeAccount(i) },
            })
          : html`<p>${this.t('accountsEmpty')}</p>`
      }
      <button class="secondary add" type="button" @click=${() => this.done({ kind: 'add_another' })}>${plusIcon} ${this.t('addAnother')}</button>
      <p class="sr-only" role="status">${this.notice}</p>
      <div class="alert" role="alert">${this.removeError || this.error}</div>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" ?disabled=${this.busy || !this.integrations.length}
          aria-busy=${this.busy ? 'true' : 'false'} @click=${() => this.done({ kind: 'continue' })}>${this.busy ? spinner : ''}${
            this.resumed ? this.t('confirm') : this.t('continue')
          }</button>
      </div>
    `;
  }

  /** Removes the account on the server; a refusal (403 on a resumed session, 404) is said, the list stays. */
  private async removeAccount(integration: Integration) {
    this.removing = integration.id;
    this.removeError = '';
    this.notice = '';
    try {
      await this.api!.deleteIntegration(integration.id);
      this.notice = this.t('removed', { name: accountName(integration) });
      this.done({ kind: 'removed', id: integration.id });
      this.focusFirst('.account button, .add');
    } catch (error) {
      const code = errorCode(error);
      this.removeError =
        code === 'NETWORK_ERROR' || code === 'RATE_LIMITED'
          ? this.describe(error)
          : code === 'SIGN_IN_REQUIRED' || code === 'INSUFFICIENT_SCOPE'
            ? this.t('errSignInToManage')
            : this.t('errRemove');
      this.track({ type: 'error', code });
    } finally {
      this.removing = undefined;
    }
  }
}

if (!customElements.get('kryptos-accounts-step')) customElements.define('kryptos-accounts-step', KryptosAccountsStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-accounts-step': KryptosAccountsStep;
  }
}
