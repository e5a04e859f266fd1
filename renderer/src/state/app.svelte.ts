/**
 * The app's shared state, created once by App.svelte and handed to components through
 * Svelte context (`useApp()`), so no module holds global mutable state.
 */
import { getContext, setContext, untrack } from 'svelte';
import { ChannelsState } from './channels.svelte';
import { Clock } from './clock.svelte';
import { Connection } from './connection.svelte';
import { MessengerState } from './messenger.svelte';
import { NavState } from './nav.svelte';
import { NodeState } from './node.svelte';
import { OffersState } from './offers.svelte';
import { PaymentsState } from './payments.svelte';
import { AsyncState } from './async.svelte';
import { SavedPeersState } from './saved-peers.svelte';
import { Router } from './router.svelte';
import { SettingsState } from './settings.svelte';
import { ThemeState } from './theme.svelte';
import { WalletState } from './wallet.svelte';

export class AppState {
  readonly connection = new Connection();
  readonly node = new NodeState();
  readonly savedPeers = new SavedPeersState();
  readonly messenger = new MessengerState();
  readonly offers = new OffersState();
  readonly channels = new ChannelsState();
  readonly settings = new SettingsState();
  readonly wallet = new WalletState();
  readonly payments = new PaymentsState();
  readonly async = new AsyncState();
  readonly clock = new Clock();
  readonly router = new Router();
  readonly theme = new ThemeState();
  readonly nav = new NavState();
  #helpOpen = $state(false);

  /** The keyboard shortcuts dialog. */
  get helpOpen(): boolean {
    return this.#helpOpen;
  }

  set helpOpen(open: boolean) {
    this.#helpOpen = open;
  }

  /**
   * Starts everything; returns the cleanup. The node state follows the connection: attached
   * whenever an API is available, and the traffic windows move with the clock.
   */
  start(): () => void {
    const stops = [this.router.start(), this.theme.start(), this.nav.start()];
    this.clock.start();
    this.connection.start();
    const stopEffects = $effect.root(() => {
      $effect(() => {
        const api = this.connection.api;
        untrack(() => {
          if (api) {
            void this.node.attach(api);
            void this.savedPeers.attach(api);
            void this.messenger.attach(api);
            void this.offers.attach(api);
            void this.channels.attach(api);
            void this.settings.attach(api);
            void this.wallet.attach(api);
            void this.payments.attach(api);
            void this.async.attach(api);
          } else {
            this.#detachAll();
          }
        });
      });
      $effect(() => {
        const now = this.clock.now;
        untrack(() => this.node.tick(now));
      });
    });
    return () => {
      stopEffects();
      for (const stop of stops) stop();
      this.clock.stop();
      this.connection.stop();
      this.#detachAll();
    };
  }

  #detachAll(): void {
    this.node.detach();
    this.savedPeers.detach();
    this.messenger.detach();
    this.offers.detach();
    this.channels.detach();
    this.settings.detach();
    this.wallet.detach();
    this.payments.detach();
    this.async.detach();
  }
}

const KEY = Symbol('glasswing.app');

export function setAppContext(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>');
  return app;
}

/** The app state when inside <App>, else undefined (components also rendered on their own). */
export function maybeApp(): AppState | undefined {
  return getContext<AppState | undefined>(KEY);
}
