/**
 * Sign-in, second screen: the 6-digit code sent by email. A wrong code says how many attempts are left
 * (`attempts_left`); "Resend code" counts down (`resend_in`, or `Retry-After` when rate limited).
 * Done detail: `{signedIn}` once verified, or `{back: true}` to change the email.
 */
import { html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { StepElement } from '../step-element.ts';
import { errorCode } from '../errors.ts';
import { toWidgetApiError } from '../api.ts';
import { spinner } from '../icons.ts';

export class KryptosCodeStep extends StepElement {
  /** The address the code was sent to. */
  @property() email = '';
  /** Seconds before another code may be requested (`resend_in`). */
  @property({ type: Number, attribute: false }) resendIn = 30;

  @state() private code = '';
  @state() private busy = false;
  @state() private error = '';
  @state() private notice = '';
  @state() private remaining = 0;
  private timer?: ReturnType<typeof setInterval>;

  override connectedCallback() {
    super.connectedCallback();
    this.startCountdown(this.resendIn);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  override firstUpdated() {
    this.focusFirst();
  }

  override render() {
    const invalid = this.error !== '';
    return html`
      <h2>${this.t('codeTitle')}</h2>
      <p>${this.t('codeSent', { email: this.email })}</p>
      <form novalidate @submit=${this.verify}>
        <div>
          <label for="code">${this.t('codeLabel')}</label>
          <input id="code" name="code" inputmode="numeric" .autocomplete=${'one-time-code'} maxlength="6" .value=${this.code}
            aria-invalid=${invalid ? 'true' : 'false'} @input=${this.typeCode} />
        </div>
        <div class="alert" role="alert">${this.error}</div>
        <div class="resend">
          <button class="secondary" type="button" ?disabled=${this.busy || this.remaining > 0} @click=${this.resend}>
            ${this.remaining > 0 ? this.t('resendIn', { s: this.remaining }) : this.t('resend')}
          </button>
          <div role="status" class="hint">${this.notice}</div>
        </div>
        <div class="actions">
          <button class="primary" part="primary-button" type="submit" ?disabled=${this.busy} aria-busy=${this.busy ? 'true' : 'false'}>
            ${this.busy ? spinner : ''}${this.t('verify')}
          </button>
          <button class="link" type="button" @click=${() => this.done({ kind: 'change_email' })}>${this.t('changeEmail')}</button>
        </div>
      </form>
    `;
  }

  private typeCode(event: Event) {
    const input = event.target as HTMLInputElement;
    this.code = input.value.replace(/\D/g, '').slice(0, 6);
    input.value = this.code;
    this.error = '';
  }

  private startCountdown(seconds: number) {
    clearInterval(this.timer);
    this.remaining = Math.max(0, Math.ceil(seconds));
    if (this.remaining === 0) return;
    this.timer = setInterval(() => {
      this.remaining -= 1;
      if (this.remaining <= 0) clearInterval(this.timer);
    }, 1000);
  }

  private async verify(event: Event) {
    event.preventDefault();
    if (!/^\d{6}$/.test(this.code)) {
      this.error = this.t('codeInvalid');
      this.focusFirst('#code');
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      this.done({ kind: 'signed_in', signedIn: await this.api!.verifyEmailCode(this.email, this.code) });
    } catch (error) {
      this.fail(error);
      this.focusFirst('#code');
    } finally {
      this.busy = false;
    }
  }

  private async resend() {
    this.busy = true;
    this.error = '';
    this.notice = '';
    try {
      const sent = await this.api!.requestEmailCode(this.email);
      this.code = '';
      this.notice = this.t('codeResent');
      this.startCountdown(sent.resend_in);
    } catch (error) {
      this.fail(error);
      const retryAfter = toWidgetApiError(error).retryAfter;
      if (retryAfter) this.startCountdown(retryAfter);
    } finally {
      this.busy = false;
    }
  }

  private fail(error: unknown) {
    this.error = this.describe(error);
    this.track({ type: 'error', code: errorCode(error) });
  }
}

if (!customElements.get('kryptos-code-step')) customElements.define('kryptos-code-step', KryptosCodeStep);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-code-step': KryptosCodeStep;
  }
}
