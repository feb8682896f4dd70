/** Base of every step: consumes the api and strings contexts, reports results and events upward. */
import { LitElement, type CSSResultGroup } from 'lit';
import { consume } from '@lit/context';
import { property } from 'lit/decorators.js';
import { apiContext, stringsContext } from './context.ts';
import { en, format, type StringKey, type Strings } from './i18n/en.ts';
import type { WidgetApi } from './api.ts';
import { emitInternal, STEP_DONE, STEP_TRACK, type StepResult, type TrackDetail } from './events.ts';
import { shared } from './shared.styles.ts';
import { errorMessage } from './errors.ts';
import type { Session } from './api.ts';

export class StepElement extends LitElement {
  static override styles: CSSResultGroup = [shared];

  /** The session of the flow (`GET /widget/session`). */
  @property({ attribute: false }) session?: Session;

  @consume({ context: apiContext, subscribe: true })
  @property({ attribute: false })
  api?: WidgetApi;

  @consume({ context: stringsContext, subscribe: true })
  @property({ attribute: false })
  strings: Strings = en;

  protected t(key: StringKey, params?: Record<string, string | number>): string {
    return format(this.strings[key], params);
  }

  protected get appName(): string {
    return this.session?.client.name ?? '';
  }

  /** Translated message for an error, with sandbox rules filled in. */
  protected describe(error: unknown): string {
    return errorMessage(this.strings, error, this.session?.sandbox_rules ?? null, this.strings.locale);
  }

  protected done(result: StepResult): void {
    emitInternal<StepResult>(this, STEP_DONE, result);
  }

  protected track(detail: TrackDetail): void {
    emitInternal(this, STEP_TRACK, detail);
  }

  /**
   * Moves focus after a step appears, for keyboard and screen reader users: to the first element matching
   * the first selector of the list that matches anything (`'input, h2'` prefers a field over the heading).
   */
  protected focusFirst(selectors = 'input, h2'): void {
    void this.updateComplete.then(() => {
      const target = selectors
        .split(',')
        .map((s) => this.renderRoot.querySelector<HTMLElement>(s.trim()))
        .find((el) => el !== null);
      if (target?.tagName === 'H2') target.tabIndex = -1;
      target?.focus();
    });
  }
}
