/**
 * Sign-in, first screen: email (→ code step) or "Continue as guest".
 * Done detail: `{email, resendIn}` after a code was sent, or `{signedIn}` for a guest.
 */
import { html, css, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { shared } from '../shared.styles.ts';
import { errorCode } from '../errors.ts';
import { shieldIcon, boltIcon, spinner } from '../icons.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class KryptosEmailStep extends StepElement {
  static override styles = [
    shared,
    css`
      .points {
        display: grid;
        gap: 0.75rem;
        margin: 0 0 1rem;
      }
      .points li {
        display: flex;
        gap: 0.75rem;
        align-items: flex-start;
      }
      .points svg {
        flex: none;
        color: var(--_kc-accent-text);
      }
      .points strong {
        display: block;
      }
      .points p {
        margin: 0;
        font-size: 0.875rem;
      }
      .or {
        text-align: center;
        margin: 0;
      }
    `,
  ];

  /** `email`, `anonymous` or both, already intersected with the session's methods. */
  @property({ attribute: false }) methods: string[] = ['email', 'anonymous'];
  /** Email typed earlier (back from the code step). */
  @property() email = '';

  @state() private busy = false;
  @state() private error = '';
  @state() private invalid = false;
  @state() private working?: 'email' | 'guest';

  override firstUpdated() {
    this.focusFirst();
  }

  override render() {
    const email = this.methods.includes('email');
    const guest = this.methods.includes('anonymous');
    return html`
      <h2>${this.t('authTitle', { app: this.appName })}</h2>
      <ul class="plain points">
        <li>${boltIcon}<div><strong>${this.t('authFast')}</strong><p>${this.t('authFastText')}</p></div></li>
        <li>${shieldIcon}<div><strong>${this.t('authReadOnly')}</strong><p>${this.t('authReadOnlyText')}</p></div></li>
      </ul>
      <form novalidate @submit=${this.requestCode}>
        ${
          email
            ? html`<div>
              <label for="email">${this.t('emailLabel')}</label>
              <input id="email" type="email" name="email" autocomplete="email" required .value=${this.email}
                aria-invalid=${this.invalid ? 'true' : 'false'} aria-describedby="email-hint"
                @input=${(e: Event) => ((this.email = (e.target as HTMLInputElement).value), (this.invalid = false))} />
              <p class="hint" id="email-hint">${this.t('emailHint')}</p>
            </div>`
            : nothing
        }
        <div class="alert" role="alert">${this.error}</div>
        <div class="actions">
          ${
            email
              ? html`<button class="primary" part="primary-button" type="submit" ?disabled=${this.busy} aria-busy=${this.working === 'email' ? 'true' : 'false'}>
                ${this.working === 'email' ? spinner : nothing}${this.t('continue')}</button>`
              : nothing
          }
          ${
            guest
              ? html`${email ? html`<p class="or">${this.t('or')}</p>` : nothing}
                <button class=${email ? 'secondary' : 'primary'} part=${email ? 'secondary-button' : 'primary-button'} type="button"
                  ?disabled=${this.busy} aria-busy=${this.working === 'guest' ? 'true' : 'false'} @click=${this.continueAsGuest}>
                  ${this.working === 'guest' ? spinner : nothing}${this.t('guest')}</button>`
              : nothing
          }
        </div>
      </form>
    `;
  }

  private async requestCode(event: Event) {
    event.preventDefault();
    const email = this.email.trim();
    if (!EMAIL.test(email)) {
      this.invalid = true;
      this.error = this.t('emailInvalid');
      this.focusFirst('#email');
      return;
    }
    await this.run('email', async () => {
      const sent = await this.api!.requestEmailCode(email);
      this.done({ kind: 'code_sent', email, resendIn: sent.resend_in });
    });
  }

  private continueAsGuest() {
    return this.run('guest', async () => this.done({ kind: 'signed_in', signedIn: await this.api!.continueAsGuest() }));
  }

  private async run(which: 'email' | 'guest', work: () => Promise<void>) {
    this.working = which;
    this.busy = true;
    this.error = '';
    try {
      await work();
    } catch (error) {
      this.error = this.describe(error);
      this.track({ type: 'error', code: errorCode(error) });
    } finally {
      this.busy = false;
      this.working = undefined;
    }
  }
}

if (!customElements.get('kryptos-email-step')) customElements.define('kryptos-email-step', KryptosEmailStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-email-step': KryptosEmailStep;
  }
}
