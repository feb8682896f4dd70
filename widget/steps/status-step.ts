/**
 * Success: a check, the live sync status of the shared accounts, and "Done". The headline is derived from
 * the same rows it sits beside (never "finished" next to a row that is still waiting). Done detail: `{close: true}`.
 */
import { html, css } from 'lit';
import { property } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { SyncStatusController } from '../sync-status.controller.ts';
import type { Integration } from '../api.ts';
import { integrationList } from './integration-list.ts';
import { accountStyles } from './accounts.styles.ts';
import { checkIcon, spinner } from '../icons.ts';

export class KryptosStatusStep extends StepElement {
  static override styles = [
    shared,
    accountStyles,
    css`
      .hero {
        text-align: center;
        color: var(--_kc-success-text);
      }
      h2,
      .summary {
        text-align: center;
      }
    `,
  ];

  /** The accounts shared in this flow; the controller follows their sync. */
  @property({ attribute: false }) integrations: Integration[] = [];

  private readonly sync = new SyncStatusController(this, async () => this.api!.integrations());

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('integrations') && !this.sync.loaded) this.sync.integrations = this.integrations;
  }

  override firstUpdated() {
    this.focusFirst('h2');
  }

  override render() {
    const items = this.sync.integrations;
    return html`
      <div class="hero">${checkIcon}</div>
      <h2>${this.t('successTitle')}</h2>
      <p class="summary" role="status">${this.summary()}</p>
      ${integrationList(items, this.strings, (p) => this.api?.resolve(p), { status: true })}
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => this.done({ kind: 'close' })}>${this.t('done')}</button>
      </div>
    `;
  }

  private summary() {
    const items = this.sync.integrations;
    if (this.sync.error && !this.sync.loaded && this.sync.error.status >= 400) return this.t('syncElsewhere', { app: this.appName });
    if (!this.sync.settled) {
      const started = items.some((i) => i.status === 'ONGOING');
      return html`${spinner}${started ? this.t('syncing') : this.t('syncWaiting')}`;
    }
    return items.some((i) => i.status === 'FAILED' || i.status === 'PARTIALLY SYNCED') ? this.t('syncSomeFailed') : this.t('synced');
  }
}

if (!customElements.get('kryptos-status-step')) customElements.define('kryptos-status-step', KryptosStatusStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-status-step': KryptosStatusStep;
  }
}
