// The Crm port over HubSpot's API (sdk-http.ts: the SDK's transport, centralita's budget and
// error mapping). Which budget each request uses comes from the spec: searches have their own
// per-second limit and v4 association batches are exempt from the 10-second window.
import type { Crm, PortalDetails } from './port.ts';
import { createCrmOverTransport, type AssociationResult, type BatchAnswer, type CrmObject, type CrmTransport, type SearchPage } from './crm.ts';
import type { RequestBudget } from './budget.ts';
import { PATHS, type SearchBody } from './requests.ts';
import { createHubspotHttp, mapHubspotError, type HubspotHttp } from './sdk-http.ts';

export { mapHubspotError };

export interface HubspotCrmOptions {
  baseUrl: string;
  token: string;
  budget: RequestBudget;
  recordIdProperty: string;
  defaultCountry: string;
  requestTimeoutMs: number;
  maxBudgetWaitMs?: number;
  fallbackSearch?: boolean;
  /** The portal's time zone for the daily limit (from settings or account details). */
  timeZone?: () => string;
  onRequest?: (r: { method: string; path: string; status: number | 'error'; ms: number; bodyChars: number }) => void;
  onUnsearchable?: (numbers: string[], err: unknown) => void;
  matchRule?: 'most-recently-active' | 'oldest' | 'newest';
  /** false when the owner rule never uses the contact's owner (one property less per search). */
  contactOwner?: boolean;
  extraContactProperties?: string[];
}

export function createHubspotCrm(opts: HubspotCrmOptions): Crm & { close(): void; http: HubspotHttp } {
  const http = createHubspotHttp({
    baseUrl: opts.baseUrl, token: opts.token, budget: opts.budget, requestTimeoutMs: opts.requestTimeoutMs,
    ...(opts.maxBudgetWaitMs !== undefined ? { maxBudgetWaitMs: opts.maxBudgetWaitMs } : {}),
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  });
  const post = async <T,>(path: string, body: unknown, kind: 'general' | 'search' | 'exempt') => (await http.request<T>('POST', path, body, kind));
  const transport: CrmTransport = {
    async search(object, body) {
      return (await post<SearchPage>(object === 'contacts' ? PATHS.contactSearch : PATHS.callSearch, body, 'search')).body;
    },
    async batchCreate(object, body) {
      const r = await post<BatchAnswer<CrmObject>>(object === 'contacts' ? PATHS.contactBatchCreate : PATHS.callBatchCreate, body, 'general');
      return { ...r.body, status: r.status };
    },
    async batchUpdate(body) {
      const r = await post<BatchAnswer<CrmObject>>(PATHS.callBatchUpdate, body, 'general');
      return { ...r.body, status: r.status };
    },
    async associate(body) {
      const r = await post<BatchAnswer<AssociationResult>>(PATHS.callContactAssociate, body, 'exempt');
      return { ...r.body, status: r.status };
    },
  };
  const crm = createCrmOverTransport(transport, {
    recordIdProperty: opts.recordIdProperty, defaultCountry: opts.defaultCountry,
    ...(opts.fallbackSearch !== undefined ? { fallbackSearch: opts.fallbackSearch } : {}),
    ...(opts.onUnsearchable ? { onUnsearchable: opts.onUnsearchable } : {}),
    ...(opts.matchRule ? { matchRule: opts.matchRule } : {}),
    ...(opts.contactOwner !== undefined ? { contactOwner: opts.contactOwner } : {}),
    ...(opts.extraContactProperties ? { extraContactProperties: opts.extraContactProperties } : {}),
  });
  return {
    ...crm,
    http,
    async portalDetails(): Promise<PortalDetails> {
      const r = await http.request<{ portalId?: number; timeZone: string; uiDomain?: string }>('GET', PATHS.accountDetails, undefined, 'general');
      return { timeZone: r.body.timeZone, ...(r.body.portalId ? { portalId: r.body.portalId } : {}), ...(r.body.uiDomain ? { uiDomain: r.body.uiDomain } : {}) };
    },
    close: () => undefined,
  };
}

export type { SearchBody };
