/** Polls `GET /widget/integrations` every ~2 s while any integration is ONGOING; stops on disconnect. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toWidgetApiError, type Integration, type WidgetApiError } from './api.ts';

export const POLL_INTERVAL_MS = 2000;

export class SyncStatusController implements ReactiveController {
  integrations: Integration[];
  error?: WidgetApiError;
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

  get settled(): boolean {
    return this.integrations.every((i) => i.status !== 'ONGOING');
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
      const integrations = await this.load();
      if (!this.active) return;
      this.integrations = integrations;
      this.error = undefined;
    } catch (error) {
      this.error = toWidgetApiError(error);
    }
    this.host.requestUpdate();
    if (this.active && !this.settled) this.timer = setTimeout(this.poll, POLL_INTERVAL_MS);
  };
}
