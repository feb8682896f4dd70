/** Workspace picker for a signed-in user with several workspaces. Done detail: `{workspace}`. */
import { html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { errorCode } from '../errors.ts';
import type { Workspace } from '../api.ts';
import { spinner } from '../icons.ts';

export class KryptosWorkspaceStep extends StepElement {
  @property({ attribute: false }) workspaces: Workspace[] = [];
  /** The workspace selected now (pre-checked). */
  @property() selected = '';

  @state() private busy = false;
  @state() private error = '';

  override firstUpdated() {
    this.selected ||= this.workspaces[0]?.id ?? '';
    this.focusFirst('input:checked, input');
  }

  override render() {
    return html`
      <form @submit=${this.choose}>
        <fieldset>
          <legend><h2>${this.t('workspaceTitle')}</h2></legend>
          <p>${this.t('workspaceText', { app: this.appName })}</p>
          ${this.workspaces.map(
            (ws) => html`<div class="row option">
              <input type="radio" name="workspace" id=${`ws-${ws.id}`} .value=${ws.id} .checked=${ws.id === this.selected}
                @change=${() => (this.selected = ws.id)} />
              <label for=${`ws-${ws.id}`} class="grow">${ws.name}${ws.role ? html` <span class="hint">(${ws.role})</span>` : ''}</label>
            </div>`,
          )}
        </fieldset>
        <div class="alert" role="alert">${this.error}</div>
        <div class="actions">
          <button class="primary" part="primary-button" type="submit" ?disabled=${this.busy || !this.selected} aria-busy=${this.busy ? 'true' : 'false'}>
            ${this.busy ? spinner : ''}${this.t('continue')}</button>
        </div>
      </form>
    `;
  }

  private async choose(event: Event) {
    event.preventDefault();
    this.busy = true;
    this.error = '';
    try {
      const { workspace } = await this.api!.selectWorkspace(this.selected);
      this.done({ kind: 'workspace_chosen', workspace });
    } catch (error) {
      this.error = this.describe(error);
      this.track({ type: 'error', code: errorCode(error) });
    } finally {
      this.busy = false;
    }
  }
}

if (!customElements.get('kryptos-workspace-step')) customElements.define('kryptos-workspace-step', KryptosWorkspaceStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-workspace-step': KryptosWorkspaceStep;
  }
}
