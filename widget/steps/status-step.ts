/** Success: a check, live sync status of the shared accounts, and "Done". Done detail: `{close: true}`. */
import { html, css } from 'lit';
import { property } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { SyncStatusController } from '../sync-status.controller.ts';
import type { Integration } from '../api.ts';
import { integrationList } from './integration-list.ts';
import { accountStyles } from './accounts.styles.ts';
import { checkIcon } from '../icons.ts';

export class KryptosStatusStep extends StepElement {
  static override styles = [
    shared,
    accountStyles,
    css`
      .hero {
        text-align: center;
        color: var(--_kc-success-text);
      }
      h2 {
        text-align: center;
      }
    `,
  ];

  /** Accounts known when the step opens; the controller refreshes them. */
  @property({ attribute: false }) integrations: Integration[] = [];

  private readonly sync = new SyncStatusController(this, () => this.api!.integrations());

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('integrations') && !this.sync.integrations.length) this.sync.integrations = this.integrations;
  }

  override firstUpdated() {
    this.focusFirst('h2');
  }

  override render() {
    const items = this.sync.integrations;
    return html`
      <div class="hero">${checkIcon}</div>
      <h2>${this.t('successTitle')}</h2>
      <p role="status">${this.sync.settled ? this.t('synced') : this.t('syncing')}</p>
      ${integrationList(items, this.strings, (p) => this.api?.resolve(p), true)}
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => this.done({ close: true })}>${this.t('done')}</button>
      </div>
    `;
  }
}

if (!customElements.get('kryptos-status-step')) customElements.define('kryptos-status-step', KryptosStatusStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-status-step': KryptosStatusStep;
  }
}
