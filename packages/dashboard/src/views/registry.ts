import type { ComponentType } from 'preact';
import type { BrokerApi, CredentialListing } from '../api.js';
import type { KindStats } from '@qa-broker/contract';
import type { Polled } from '../poll.js';
import { CredentialsView } from './credentials.js';
import { EventsView } from './events.js';
import { LeasesView } from './leases.js';
import { PoolsView } from './pools.js';
import { QueuesView } from './queues.js';

/** What every view gets: the shared polled data, the API, the page clock, a status line. */
export interface ViewProps {
  api: BrokerApi;
  stats: Polled<KindStats[]>;
  credentials: Polled<CredentialListing>;
  now: number;
  /** Says something in the page's live status line (after an action). */
  announce: (message: string) => void;
}

export interface DashboardView {
  /** The section's id (the nav links to #id). */
  id: string;
  title: string;
  component: ComponentType<ViewProps>;
}

/** The page's sections, top to bottom. */
export const VIEWS: readonly DashboardView[] = [
  { id: 'pools', title: 'Pools', component: PoolsView },
  { id: 'leases', title: 'Live leases', component: LeasesView },
  { id: 'queues', title: 'Queues', component: QueuesView },
  { id: 'credentials', title: 'Credentials', component: CredentialsView },
  { id: 'events', title: 'Event trail', component: EventsView },
];
