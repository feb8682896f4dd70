/**
 * `<kryptos-connect>`: a button that opens the Kryptos Connect flow in a modal `<dialog>`
 * (sign-in → workspace → integrations → consent → success) and reports the result as DOM events.
 * Works from a plain `<script type="module">` and in any framework: set the `generateLinkToken`
 * property or the `link-token-url` attribute, listen for `connect-success`.
 *
 * @fires connect-success - detail `{public_token}`, or `null` on a resumed session (existing grant); once per flow
 * @fires connect-error - detail an `Error` with `.code`; closing the dialog gives an `AbortError` with code `USER_CLOSED`
 * @fires connect-redirect - detail `{redirect_to}`: OAuth mode only (the hosted page), after consent; follow it
 * @fires connect-event - detail `{type, session_id, step?, provider?, code?, timestamp}` (open, step_shown, provider_selected,
 *   credentials_submitted, error, exit, success)
 * @slot - label of the button (default "Connect with Kryptos", translated)
 * @csspart button - the trigger button
 * @csspart dialog - the `<dialog>`; also header, body, footer, close-button, back-button, primary-button, secondary-button
 * @cssprop --kc-primary - and every other documented `--kc-*` variable (theme.styles.ts)
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { apiContext, stringsContext } from './context.ts';
import { createWidgetApi, type ExitStep, type Integration, type Provider, type Session, type WidgetApi, type Workspace } from './api.ts';
import { createLinkTokenSource, linkTokenFromUrl, type LinkTokenProvider } from './link-token.ts';
import {
  emit,
  type ConnectError,
  type ConnectRedirectDetail,
  type ConnectEventDetail,
  type ConnectEventType,
  type ConnectSuccessDetail,
  type StepResult,
  type TrackDetail,
} from './events.ts';
import { en, type Strings } from './i18n/en.ts';
import { browserLanguage, loadStrings, toLanguage } from './i18n/load.ts';
import { errorCode, errorMessage } from './errors.ts';
import { theme } from './theme.styles.ts';
import { styles } from './kryptos-connect.styles.ts';
import { backIcon, closeIcon, spinner } from './icons.ts';
import type { Prefill } from './steps/connect-step.ts';
import './steps/email-step.ts';
import './steps/code-step.ts';
import './steps/workspace-step.ts';
import './steps/integration-step.ts';
import './steps/connect-step.ts';
import './steps/accounts-step.ts';
import './steps/consent-step.ts';
import './steps/status-step.ts';

type Step = 'closed' | 'loading' | 'failed' | 'auth' | 'otp' | 'workspace' | 'integrations' | 'connect' | 'accounts' | 'consent' | 'success';

/** Contract names of the steps (`POST /widget/exit` and `connect-event`). */
const EXIT_STEPS: Record<Step, ExitStep> = {
  closed: 'unknown',
  loading: 'unknown',
  failed: 'unknown',
  auth: 'auth',
  otp: 'otp',
  workspace: 'workspace',
  integrations: 'integrations',
  accounts: 'integrations',
  connect: 'connect',
  consent: 'consent',
  success: 'success',
};
const PARTS = 'primary-button, secondary-button';

/** State of one open → close cycle. The link token lives only in here (memory), never in attributes or storage. */
interface Flow {
  id: string;
  api: WidgetApi;
  authorized: () => boolean;
  delivered: boolean;
}

/** Public tokens already handed to the page: a second element or a re-mount never delivers one twice. */
const deliveredTokens = new Set<string>();

const listConverter = {
  fromAttribute: (value: string | null) => (value ? value.split(/[\s,]+/).filter(Boolean) : undefined),
};
const jsonConverter = {
  fromAttribute: (value: string | null): Prefill => {
    try {
      const parsed: unknown = value ? JSON.parse(value) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Prefill) : {};
    } catch {
      return {};
    }
  },
};

export class KryptosConnect extends LitElement {
  static override styles = [theme, styles];

  /** Resolves to `{link_token, isAuthorized}` from your backend; called when the user opens the flow. */
  @property({ attribute: false }) generateLinkToken?: LinkTokenProvider;
  /** Alternative to `generateLinkToken`: the element POSTs `{}` here (same-origin cookies, `X-Requested-With: kryptos-connect`). */
  @property({ attribute: 'link-token-url' }) linkTokenUrl?: string;
  /** Where `/widget/*` lives: `/kryptos` (the BFF proxy) or the connect server origin. */
  @property({ attribute: 'api-base' }) apiBase = '/kryptos';
  /** Shown in the header; defaults to the client name from the session. */
  @property({ attribute: 'app-name' }) appName?: string;
  /** Logo URL shown in the header. */
  @property({ attribute: 'app-logo' }) appLogo?: string;
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'light';
  /** `en fr de pt sv es pl it`; unset: the browser's language when it is one of these, else English. */
  @property() language?: string;
  /** `email`, `anonymous` (space or comma separated, or an array). */
  @property({ attribute: 'auth-methods', converter: listConverter }) authMethods?: string[] | string;
  /** A provider id: skips the integration picker. */
  @property({ attribute: 'integration-name' }) integrationName?: string;
  @property({ reflect: true }) size: 'sm' | 'md' | 'lg' = 'md';
  /** Editable defaults `{address, apiKey, secretKey, password}` (JSON attribute or object property). */
  @property({ converter: jsonConverter }) prefill: Prefill = {};
  /** `inline` (default) or `iframe`: the screens in a frame of the connect server (`api-base` must be its origin). */
  @property() mode: 'inline' | 'iframe' = 'inline';
  /** Iframe mode: resolves to `{handle, client_id}` from your backend (`POST /connect/frame/handle` with client credentials). */
  @property({ attribute: false }) generateFrameHandle?: () => Promise<{ handle: string; client_id: string }>;
  /** Iframe mode, alternative to `generateFrameHandle`: the element POSTs `{}` here like `link-token-url`. */
  @property({ attribute: 'frame-handle-url' }) frameHandleUrl?: string;
  /** Disables the trigger button. */
  @property({ type: Boolean, reflect: true }) disabled = false;

  @provide({ context: apiContext }) @state() private api?: WidgetApi;
  @provide({ context: stringsContext }) @state() private strings: Strings = en;

  @state() private step: Step = 'closed';
  @state() private session?: Session;
  @state() private providers: Provider[] = [];
  @state() private provider?: Provider;
  /** Every account the grant will share: the workspace's (listed after sign-in) and those added in this flow. */
  @state() private integrations: Integration[] = [];
  /** Ids added in this flow: these can always be removed again before finishing. */
  @state() private addedIds = new Set<string>();
  /** False when the server refused to list the workspace's accounts (a resumed session): only this flow's are known. */
  @state() private listed = false;
  @state() private email = '';
  @state() private resendIn = 30;
  @state() private failure = '';
  @state() private busy = false;
  @state() private stepError = '';

  @query('dialog') private dialog!: HTMLDialogElement;
  @query('.trigger') private trigger!: HTMLButtonElement;

  private flow?: Flow;
  private retryStart?: () => Promise<void>;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('languagechange', this.followBrowserLanguage);
    // Re-mounted during a flow: removing a modal dialog takes it out of the top layer, so show it again.
    if (this.flow) void this.updateComplete.then(() => this.flow && !this.dialog.matches(':modal') && this.reshow());
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('languagechange', this.followBrowserLanguage);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('language') || !this.hasUpdated) void this.loadLanguage();
  }

  /** With no `language` set, a change of the browser's language applies at once. */
  private followBrowserLanguage = () => {
    if (!this.language) void this.loadLanguage();
  };

  override render() {
    const title = this.appName || this.session?.client.name || this.strings.dialogLabel;
    return html`
      <button class="trigger" part="button" type="button" ?disabled=${this.disabled || this.step === 'loading'} @click=${this.open}>
        <slot>${this.strings.connect}</slot>
      </button>
      <dialog part="dialog" aria-labelledby="kc-title" lang=${this.effectiveLanguage} @close=${this.handleClose}
        @kc-step-done=${this.handleStepDone} @kc-step-track=${this.handleTrack}>
        ${
          this.step === 'closed'
            ? nothing
            : html`<header part="header">
                ${
                  this.backTarget
                    ? html`<button class="icon" part="back-button" type="button" aria-label=${this.strings.back} @click=${this.goBack}>${backIcon}</button>`
                    : nothing
                }
                ${this.appLogo ? html`<img src=${this.appLogo} alt="" />` : nothing}
                <span class="title" id="kc-title">${title}</span>
                <button class="icon" part="close-button" type="button" aria-label=${this.strings.close} @click=${this.close}>${closeIcon}</button>
              </header>
              <div class="body" part="body">${this.renderStep()}</div>
              <footer part="footer">${this.strings.poweredBy}</footer>`
        }
      </dialog>
    `;
  }

  private renderStep() {
    const s = this.session;
    switch (this.step) {
      case 'loading':
        return html`<div class="center" role="status">${spinner}<span>${this.strings.loading}</span></div>`;
      case 'failed':
        return html`<div class="alert" role="alert">${this.failure}
          <button class="retry" part="primary-button" type="button" @click=${() => this.retryStart?.()}>${this.strings.retry}</button></div>`;
      case 'auth':
        return html`<kryptos-email-step exportparts=${PARTS} .session=${s} .methods=${this.methods} .email=${this.email}></kryptos-email-step>`;
      case 'otp':
        return html`<kryptos-code-step exportparts=${PARTS} .session=${s} .email=${this.email} .resendIn=${this.resendIn}></kryptos-code-step>`;
      case 'workspace':
        return html`<kryptos-workspace-step exportparts=${PARTS} .session=${s} .workspaces=${s?.workspaces ?? []}
          .selected=${s?.workspace?.id ?? ''}></kryptos-workspace-step>`;
      case 'integrations':
        return html`<kryptos-integration-step exportparts=${PARTS} .session=${s} .providers=${this.providers}></kryptos-integration-step>`;
      case 'connect':
        return html`<kryptos-connect-step exportparts=${PARTS} .session=${s} .provider=${this.provider} .prefill=${this.prefill ?? {}}></kryptos-connect-step>`;
      case 'accounts':
        return html`<kryptos-accounts-step exportparts=${PARTS} .session=${s} .integrations=${this.integrations} ?resumed=${this.resumed}
          .removable=${this.removableIds} ?busy=${this.busy} .error=${this.stepError}></kryptos-accounts-step>`;
      case 'consent':
        return html`<kryptos-consent-step exportparts=${PARTS} .session=${s} .integrations=${this.integrations}></kryptos-consent-step>`;
      case 'success':
        return html`<kryptos-status-step exportparts=${PARTS} .session=${s} .integrations=${this.integrations}></kryptos-status-step>`;
      default:
        return nothing;
    }
  }

  /** Opens the dialog and starts a flow (fetching the link token). A second call while open does nothing. */
  async open(): Promise<void> {
    if (this.mode === 'iframe') return this.openFrame();
    if (this.flow) return;
    const provider = this.generateLinkToken ?? (this.linkTokenUrl ? linkTokenFromUrl(this.linkTokenUrl) : undefined);
    const tokens = createLinkTokenSource(
      provider ?? (() => Promise.reject(Object.assign(new Error('Set generateLinkToken or link-token-url'), { code: 'MISSING_LINK_TOKEN' }))),
    );
    const flow: Flow = {
      id: crypto.randomUUID(),
      api: createWidgetApi({ apiBase: this.apiBase, linkToken: tokens }),
      authorized: () => tokens.isAuthorized,
      delivered: false,
    };
    this.flow = flow;
    this.api = flow.api;
    this.step = 'loading';
    this.track('open');
    await this.updateComplete;
    this.dialog.showModal();
    this.retryStart = () => this.start(flow, tokens.setExpiry);
    await this.retryStart();
  }

  private framed = false;

  /** Iframe mode (lazily loaded): the host page keeps only a frame handle; the frame redeems it. */
  private async openFrame(): Promise<void> {
    if (this.framed) return;
    this.framed = true;
    try {
      const { openFrame, frameHandleFromUrl } = await import('./iframe-mode.ts');
      const getHandle =
        this.generateFrameHandle ??
        (this.frameHandleUrl
          ? frameHandleFromUrl(this.frameHandleUrl)
          : () => Promise.reject(Object.assign(new Error('Set generateFrameHandle or frame-handle-url'), { code: 'MISSING_LINK_TOKEN' })));
      const options: Record<string, string> = { theme: this.theme, size: this.size };
      if (this.language) options.language = this.language;
      if (this.appName) options['app-name'] = this.appName;
      if (this.appLogo) options['app-logo'] = new URL(this.appLogo, document.baseURI).href;
      if (this.integrationName) options['integration-name'] = this.integrationName;
      if (this.authMethods) options['auth-methods'] = Array.isArray(this.authMethods) ? this.authMethods.join(' ') : this.authMethods;
      await openFrame(this, this.renderRoot as ShadowRoot, { connectOrigin: this.apiBase, getHandle, options });
    } finally {
      this.framed = false;
      this.trigger?.focus();
    }
  }

  /** Closes the dialog. Before success this ends the flow with an `AbortError` (`USER_CLOSED`). */
  close(): void {
    if (this.dialog?.open) this.dialog.close();
  }

  private async start(flow: Flow, setExpiry: (iso: string | undefined) => void) {
    this.step = 'loading';
    try {
      const session = await flow.api.session();
      if (flow !== this.flow) return;
      setExpiry(session.expires_at);
      this.session = session;
      if (this.resumed || session.user) await this.afterSignIn(session.workspaces, session.workspace);
      else this.show('auth');
    } catch (error) {
      if (flow !== this.flow) return;
      this.fail(error, errorCode(error) === 'NETWORK_ERROR' ? errorMessage(this.strings, error, null, this.strings.locale) : this.strings.errStart);
    }
  }

  /** True when the link token resumes an existing grant: no sign-in, no consent screen, success is `null`. */
  private get resumed(): boolean {
    return this.session?.has_existing_grant === true || (this.flow?.authorized() ?? false);
  }

  /** Accounts the user may remove here: this flow's, and in a signed-in (not resumed) flow every listed one. */
  private get removableIds(): Set<string> {
    return this.resumed || !this.listed ? this.addedIds : new Set(this.integrations.map((i) => i.id));
  }

  private get effectiveLanguage() {
    return this.language ? toLanguage(this.language) : browserLanguage();
  }

  private get methods(): string[] {
    const server = this.session?.auth_methods ?? ['email', 'anonymous'];
    const wanted = typeof this.authMethods === 'string' ? listConverter.fromAttribute(this.authMethods) : this.authMethods;
    const both = wanted ? server.filter((m) => wanted.includes(m)) : server;
    return both.length ? both : server;
  }

  private async afterSignIn(workspaces: Workspace[] = [], workspace: Workspace | null = null) {
    if (this.session) this.session = { ...this.session, workspaces, workspace };
    if (!this.resumed && workspaces.length > 1) this.show('workspace');
    else await this.showIntegrations();
  }

  /**
   * The accounts already in the workspace, which the grant will share too. Not asked on a resumed
   * session (the server keeps them to an email sign-in); a refusal leaves this flow's accounts only.
   */
  private async listExisting(flow: Flow): Promise<void> {
    this.listed = false;
    if (this.resumed) return;
    try {
      const existing = await flow.api.integrations();
      if (flow !== this.flow) return;
      this.integrations = mergeIntegrations(existing, this.integrations);
      this.listed = true;
    } catch {
      // 401/403/409: keep what this flow added; the user can still add accounts and share them.
    }
  }

  private async showIntegrations() {
    const flow = this.flow!;
    this.step = 'loading';
    try {
      const [providers] = await Promise.all([this.providers.length ? this.providers : flow.api.providers(), this.listExisting(flow)]);
      if (flow !== this.flow) return;
      this.providers = providers;
    } catch (error) {
      if (flow === this.flow) this.fail(error, errorMessage(this.strings, error, null, this.strings.locale), () => this.showIntegrations());
      return;
    }
    const wanted = this.integrationName && this.providers.find((p) => p.id === this.integrationName);
    if (wanted && !this.integrations.length) this.chooseProvider(wanted);
    else this.show(this.integrations.length ? 'accounts' : 'integrations');
  }

  private chooseProvider(provider: Provider) {
    this.provider = provider;
    this.show('connect');
  }

  private show(step: Step) {
    this.step = step;
    this.stepError = '';
    this.track('step_shown', { step: EXIT_STEPS[step] });
  }

  private handleStepDone = async (event: CustomEvent<StepResult>) => {
    event.stopPropagation();
    const r = event.detail;
    switch (r.kind) {
      case 'change_email':
        return this.show('auth');
      case 'code_sent':
        this.email = r.email;
        this.resendIn = r.resendIn;
        return this.show('otp');
      case 'signed_in':
        if (this.session) this.session = { ...this.session, user: r.signedIn.user };
        return this.afterSignIn(r.signedIn.workspaces ?? (r.signedIn.workspace ? [r.signedIn.workspace] : []), r.signedIn.workspace);
      case 'workspace_chosen':
        if (this.session) this.session = { ...this.session, workspace: r.workspace };
        return this.showIntegrations();
      case 'provider_chosen':
        return this.chooseProvider(r.provider);
      case 'choose_another':
      case 'add_another':
        return this.show('integrations');
      case 'connected':
        // The server answers with what this call added (and what of it was already there): merge, never replace.
        this.integrations = mergeIntegrations(this.integrations, r.integrations);
        this.addedIds = new Set([...this.addedIds, ...(r.fresh ? r.integrations.map((i) => i.id) : [])]);
        return this.show('accounts');
      case 'removed':
        return this.forget(r.id);
      case 'continue':
        return this.resumed ? this.confirmResumed() : this.show('consent');
      case 'consented':
        // OAuth mode (the hosted page): the consent answers where to send the browser, not a public token.
        if (r.redirect_to) emit<ConnectRedirectDetail>(this, 'connect-redirect', { redirect_to: r.redirect_to });
        this.succeed(r.public_token ? { public_token: r.public_token } : null);
        return this.show('success');
      case 'close':
        return this.close();
      default:
        return unhandled(r);
    }
  };

  private forget(id: string) {
    this.integrations = this.integrations.filter((i) => i.id !== id);
    const added = new Set(this.addedIds);
    added.delete(id);
    this.addedIds = added;
  }

  /** Resumed session: record the consent (all requested scopes) so the server knows; it answers `{public_token: null}`. */
  private async confirmResumed() {
    const flow = this.flow!;
    this.busy = true;
    this.stepError = '';
    try {
      const result = await flow.api.consent((this.session?.scopes ?? []).map((s) => s.scope));
      this.succeed(result.public_token ? { public_token: result.public_token } : null);
    } catch (error) {
      // Already recorded on this link token: the grant exists, so the flow still succeeded.
      if (errorCode(error) !== 'CONSENT_ALREADY_GIVEN') {
        this.stepError = errorMessage(this.strings, error, this.session?.sandbox_rules ?? null, this.strings.locale);
        this.track('error', { code: errorCode(error) });
        return;
      }
      this.succeed(null);
    } finally {
      this.busy = false;
    }
    if (flow === this.flow) this.show('success');
  }

  /** Delivers `connect-success` at most once per flow and once per public token. */
  private succeed(detail: ConnectSuccessDetail) {
    const flow = this.flow;
    if (!flow || flow.delivered || (detail && deliveredTokens.has(detail.public_token))) return;
    flow.delivered = true;
    if (detail) deliveredTokens.add(detail.public_token);
    emit<ConnectSuccessDetail>(this, 'connect-success', detail);
    this.track('success');
  }

  private fail(error: unknown, message: string, retry?: () => Promise<void>) {
    this.failure = message;
    if (retry) this.retryStart = retry;
    this.step = 'failed';
    this.track('error', { code: errorCode(error) });
    emit<ConnectError>(this, 'connect-error', toConnectError(error));
  }

  private handleTrack = (event: CustomEvent<TrackDetail>) => {
    event.stopPropagation();
    const { type, ...rest } = event.detail;
    this.track(type, rest);
  };

  private track(type: ConnectEventType, extra: Partial<ConnectEventDetail> = {}) {
    if (!this.flow) return;
    const step = type === 'step_shown' || type === 'open' || type === 'success' ? extra.step : (extra.step ?? EXIT_STEPS[this.step]);
    emit<ConnectEventDetail>(this, 'connect-event', {
      type,
      session_id: this.flow.id,
      ...(step ? { step } : {}),
      ...(extra.provider ? { provider: extra.provider } : {}),
      ...(extra.code ? { code: extra.code } : {}),
      timestamp: Date.now(),
    });
  }

  private get backTarget(): Step | undefined {
    switch (this.step) {
      case 'connect':
        return this.integrationName && this.provider?.id === this.integrationName && !this.integrations.length ? undefined : 'integrations';
      case 'integrations':
      case 'consent':
        return this.integrations.length ? 'accounts' : undefined;
      default:
        return undefined;
    }
  }

  private goBack() {
    const target = this.backTarget;
    if (target) this.show(target);
  }

  private reshow() {
    if (this.dialog.open) this.dialog.close();
    this.dialog.showModal();
  }

  /** The dialog closed (Escape, the close button or `close()`): end the flow, report an abort unless it succeeded. */
  private handleClose = () => {
    const flow = this.flow;
    // A re-shown dialog (re-mount) is open again by the time the old close event arrives.
    if (!flow || this.dialog.open) return;
    if (!flow.delivered) {
      const step = EXIT_STEPS[this.step];
      this.track('exit', { step });
      if (this.session) flow.api.exit({ step, reason: 'user_closed', session_id: flow.id }).catch(() => undefined);
      const abort = Object.assign(new Error('The user closed Kryptos Connect'), { name: 'AbortError', code: 'USER_CLOSED' });
      emit<ConnectError>(this, 'connect-error', abort);
    }
    this.reset();
    this.trigger?.focus();
  };

  private reset() {
    this.flow = undefined;
    this.api = undefined;
    this.retryStart = undefined;
    this.step = 'closed';
    this.session = undefined;
    this.providers = [];
    this.provider = undefined;
    this.integrations = [];
    this.addedIds = new Set();
    this.listed = false;
    this.email = '';
    this.failure = '';
    this.stepError = '';
    this.busy = false;
  }

  private async loadLanguage() {
    const language = this.effectiveLanguage;
    const strings = await loadStrings(language);
    if (this.effectiveLanguage === language) this.strings = strings;
  }
}

/** `base` updated with `more` (same id: the newer row), in the order first seen. */
/** A step result no case handles: a compile error (`never`), and at run time ignored. */
function unhandled(result: never): void {
  void result;
}

function mergeIntegrations(base: Integration[], more: Integration[]): Integration[] {
  const byId = new Map(base.map((i) => [i.id, i]));
  for (const i of more) byId.set(i.id, i);
  return [...byId.values()];
}

function toConnectError(error: unknown): ConnectError {
  const err = error instanceof Error ? error : new Error(String(error));
  return Object.assign(err, { code: errorCode(error) });
}

if (!customElements.get('kryptos-connect')) customElements.define('kryptos-connect', KryptosConnect);
declare global {
  interface HTMLElementTagNameMap {
    'kryptos-connect': KryptosConnect;
  }
}
