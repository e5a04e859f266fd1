/** Which component renders each page (every PageId in lib/routes.ts must have one). */
import type { Component } from 'svelte';
import type { PageId } from '../lib/routes';
import { OverviewPage } from './overview';
import { PeersPage } from './peers';
import { MessagesPage } from './messages';
import { ChannelLabPage } from './lab';
import { ChannelsPage } from './channels';
import { OffersPage } from './offers';
import { PaymentsPage } from './payments';
import { SettingsPage } from './settings';
import { WalletPage } from './wallet';

export const PAGE_COMPONENTS: Readonly<Record<PageId, Component>> = {
  overview: OverviewPage,
  peers: PeersPage,
  messages: MessagesPage,
  offers: OffersPage,
  channels: ChannelsPage,
  payments: PaymentsPage,
  wallet: WalletPage,
  lab: ChannelLabPage,
  settings: SettingsPage,
};
