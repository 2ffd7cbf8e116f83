import { brokerContract } from '@qa-broker/contract';
import type {
  AdminEventsBody,
  BrokerEvent,
  CredentialSummary,
  KindStats,
} from '@qa-broker/contract';
import { initClient } from '@ts-rest/core';

/** The maintainer routes, typed by the contract (ts-rest's fetch client). */
export type AdminClient = ReturnType<typeof adminClient>;

function adminClient(baseUrl: string, secret: string) {
  return initClient(brokerContract.admin, {
    baseUrl,
    // The secret goes in this header only: never in a URL, a cookie or localStorage.
    baseHeaders: { authorization: `Bearer ${secret}` },
    throwOnUnknownStatus: false,
  });
}

/** A refused call, with the broker's code and its message (meant for people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface AnyResponse {
  status: number;
  body: unknown;
}

/** The body of a 200, or an ApiError carrying the broker's error envelope. */
export async function expectOk<R extends AnyResponse>(
  call: Promise<R>,
): Promise<Extract<R, { status: 200 }>['body']> {
  let response: R;
  try {
    response = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', 'The broker did not answer. Is it still running?');
  }
  if (response.status === 200) return response.body;
  const body = response.body as { code?: unknown; message?: unknown } | null;
  const code = typeof body?.code === 'string' ? body.code : `HTTP_${response.status}`;
  const message =
    typeof body?.message === 'string' ? body.message : `The broker answered ${response.status}.`;
  throw new ApiError(response.status, code, message);
}

/** admin/list pages the dashboard reads at most (500 each): 5,000 credentials. */
export const MAX_LIST_PAGES = 10;
const LIST_PAGE = 500;

export interface CredentialListing {
  credentials: CredentialSummary[];
  /** True when the pool holds more than the dashboard reads. */
  truncated: boolean;
}

export interface EventPage {
  events: BrokerEvent[];
  nextCursor?: string;
}

/** What the page asks of the broker; `client` is there for actions and views to come. */
export interface BrokerApi {
  client: AdminClient;
  stats(): Promise<KindStats[]>;
  credentials(): Promise<CredentialListing>;
  events(filter: AdminEventsBody): Promise<EventPage>;
}

export function createBrokerApi(baseUrl: string, secret: string): BrokerApi {
  const client = adminClient(baseUrl, secret);
  return {
    client,
    async stats() {
      return (await expectOk(client.stats({ body: {} }))).kinds;
    },
    async credentials() {
      const credentials: CredentialSummary[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        // Never includePayload: the page must not hold a payload.
        const body = await expectOk(
          client.list({ body: { status: 'all', limit: LIST_PAGE, ...(cursor ? { cursor } : {}) } }),
        );
        credentials.push(...body.credentials);
        cursor = body.nextCursor;
        if (cursor === undefined) return { credentials, truncated: false };
      }
      return { credentials, truncated: true };
    },
    async events(filter) {
      const body = await expectOk(client.events({ body: filter }));
      return {
        events: body.events,
        ...(body.nextCursor === undefined ? {} : { nextCursor: body.nextCursor }),
      };
    },
  };
}

/** The v1 routes' base URL: this origin plus the prefix the server wrote into the page. */
export function brokerBaseUrl(doc: Document, origin: string): string {
  const meta = doc.querySelector('meta[name="qa-broker-endpoint-prefix"]');
  const prefix = meta?.getAttribute('content') ?? '/qa-credentials/v1';
  return origin + prefix;
}
