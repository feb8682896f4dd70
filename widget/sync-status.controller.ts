/**
 * Polls `GET /widget/integrations` every ~2 s until every account's sync has finished; stops on disconnect.
 * Only the accounts it was given are followed (the flow's shared accounts), so the list never grows or
 * shrinks under the user. A refused listing (403 on a resumed session) stops polling and keeps the rows.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toWidgetApiError, type Integration, type IntegrationStatus, type WidgetApiError } from './api.ts';

export const POLL_INTERVAL_MS = 2000;
/** Statuses after which a sync will not change by itself. `active` (added, not started) and `ONGOING` are not. */
const FINISHED: ReadonlySet<IntegrationStatus> = new Set(['COMPLETED', 'PARTIALLY SYNCED', 'FAILED']);

export class SyncStatusController implements ReactiveController {
  integrations: Integration[];
  error?: WidgetApiError;
  /** True once the server answered at least once (before that the statuses are the ones known at add time). */
  loaded = false;
  private readonly host: ReactiveControllerHost;
  private readonly load: () => Promise<Integration[]>;
  private active = false;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(host: ReactiveControllerHost, load: () => Promise<Integration[]>, initial: Integration[] = []) {
    this.host = host;
    this.load = load;
    this.integrations = initial;
    host.addController(this);
  }

  /** Every followed account has finished syncing. */
  get settled(): boolean {
    return this.integrations.every((i) => FINISHED.has(i.status));
  }

  hostConnected(): void {
    this.active = true;
    void this.poll();
  }

  hostDisconnected(): void {
    this.active = false;
    clearTimeout(this.timer);
  }

  private poll = async (): Promise<void> => {
    clearTimeout(this.timer);
    try {
      const fresh = new Map((await this.load()).map((i) => [i.id, i]));
      if (!this.active) return;
      this.integrations = this.integrations.map((i) => fresh.get(i.id) ?? i);
      this.loaded = true;
      this.error = undefined;
    } catch (error) {
      this.error = toWidgetApiError(error);
    }
    this.host.requestUpdate();
    const refused = this.error && this.error.status >= 400 && this.error.status < 500;
    if (this.active && !this.settled && !refused) this.timer = setTimeout(this.poll, POLL_INTERVAL_MS);
  };
}
