// HubSpot through @hubspot/api-client (the only module that imports it). The SDK's own
// retry and limiter decorators are left off: budgets, 429s and backoff are handled by
// centralita (budget.ts, the worker) so they are shared across processes and observable.
// Requests go through the SDK's generic `apiRequest` (auth, base path, user agent) with the
// bodies from requests.ts: the generated model classes re-serialise every property of every
// object, which profiling showed as the largest CPU cost per batch.
import { Client } from '@hubspot/api-client';
import type { Crm } from './port.ts';
import { CrmAuthError, CrmRateLimitedError, CrmRejectedError, CrmUnavailableError } from './port.ts';
import { createCrmOverTransport, type CrmObject, type CrmTransport, type SearchPage } from './crm.ts';
import type { RequestBudget } from './budget.ts';
import { PATHS, type SearchBody } from './requests.ts';

export interface HubspotCrmOptions {
  baseUrl: string;
  token: string;
  budget: RequestBudget;
  recordIdProperty: string;
  defaultCountry: string;
  requestTimeoutMs: number;
  /** Longest a request waits for budget before the caller is told to back off. */
  maxBudgetWaitMs?: number;
  fallbackSearch?: boolean;
  /** Called once per HTTP request sent (metrics, benchmarks). */
  onRequest?: (r: { method: string; path: string; status: number | 'error'; ms: number }) => void;
}

interface SdkError { code?: number; body?: unknown; headers?: Record<string, string> }

/** Maps an SDK/network failure to the port's errors (429 → rate limit, 401/403 → auth, 5xx/network → unavailable, other 4xx → rejected). */
export function mapHubspotError(err: unknown): Error {
  const e = err as SdkError;
  if (typeof e?.code === 'number' && e.code >= 100) {
    const status = e.code;
    const h = lower(e.headers ?? {});
    if (status === 429) {
      const retryAfter = Number(h['retry-after']);
      const interval = Number(h['x-hubspot-ratelimit-interval-milliseconds']);
      const ms = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(interval) && interval > 0 ? interval : 1_000;
      return new CrmRateLimitedError(ms, 'HTTP 429', e.body);
    }
    if (status === 401 || status === 403) return new CrmAuthError(status, e.body);
    if (status >= 500) return new CrmUnavailableError('server error', status, e.body);
    if (status === 408) return new CrmUnavailableError('request timeout', status, e.body);
    return new CrmRejectedError(status, e.body);
  }
  if (err instanceof CrmUnavailableError || err instanceof CrmRateLimitedError) return err;
  return new CrmUnavailableError(err instanceof Error ? `${err.message}${(err as { cause?: { code?: string } }).cause?.code ? ` (${(err as { cause?: { code?: string } }).cause?.code})` : ''}` : String(err), undefined, undefined, { cause: err });
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

export function createHubspotCrm(opts: HubspotCrmOptions): Crm & { close(): void } {
  const client = new Client({ accessToken: opts.token, basePath: opts.baseUrl.replace(/\/$/, ''), numberOfApiCallRetries: 0 });

  /** POST through the SDK; non-2xx answers become the same error shape the generated APIs throw. */
  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await client.apiRequest({ method: 'POST', path, body });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* keep the raw text (HTML error pages) */ }
    if (!res.ok) {
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => { headers[k] = v; });
      throw Object.assign(new Error(`HTTP ${res.status}`), { code: res.status, body: parsed, headers });
    }
    return parsed as T;
  }

  async function send<T>(kind: 'general' | 'search', path: string, call: () => Promise<T>): Promise<T> {
    const release = await opts.budget.acquire(kind, opts.maxBudgetWaitMs);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      // The SDK has no abort signal: an abandoned request may still be applied by HubSpot,
      // which is exactly the case the pending ledger + record-id search exist for.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CrmUnavailableError(`no response within ${opts.requestTimeoutMs} ms`)), opts.requestTimeoutMs);
      });
      const r = await Promise.race([call(), timeout]);
      opts.onRequest?.({ method: 'POST', path, status: 200, ms: Date.now() - started });
      return r;
    } catch (err) {
      const code = (err as SdkError)?.code;
      opts.onRequest?.({ method: 'POST', path, status: typeof code === 'number' ? code : 'error', ms: Date.now() - started });
      throw mapHubspotError(err);
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  const transport: CrmTransport = {
    search(object, body) {
      const path = object === 'contacts' ? PATHS.contactSearch : PATHS.callSearch;
      return send('search', path, () => post<SearchPage>(path, body));
    },
    batchCreate(object, body) {
      const path = object === 'contacts' ? PATHS.contactBatchCreate : PATHS.callBatchCreate;
      return send('general', path, () => post<{ results: CrmObject[] }>(path, body));
    },
    async associate(body) {
      await send('general', PATHS.callContactAssociate, () => post<unknown>(PATHS.callContactAssociate, body));
    },
  };
  const crm = createCrmOverTransport(transport, { recordIdProperty: opts.recordIdProperty, defaultCountry: opts.defaultCountry, fallbackSearch: opts.fallbackSearch });
  return { ...crm, close: () => undefined };
}

export type { SearchBody };
