// HTTP to HubSpot through @hubspot/api-client's generic `apiRequest` (auth, base path, user
// agent) with centralita's own budget, timeout and error mapping. The SDK's retry and limiter
// decorators are off: budgets, 429s and backoff are centralita's, shared across processes.
// The generated model classes are not used: they re-serialise every property of every object,
// which profiling showed as the largest CPU cost per batch.
import { Client } from '@hubspot/api-client';
import { DateTime } from 'luxon';
import { CrmAuthError, CrmRateLimitedError, CrmRejectedError, CrmUnavailableError } from './port.ts';
import type { RequestBudget, RequestKind } from './budget.ts';
import { LOCKED_MIN_WAIT_MS } from './api-facts.ts';

export interface HubspotHttpOptions {
  baseUrl: string;
  token: string;
  budget: RequestBudget;
  requestTimeoutMs: number;
  /** Longest a request waits for budget before the caller is told to back off. */
  maxBudgetWaitMs?: number;
  /** The portal's time zone (its day decides when the daily limit resets). */
  timeZone?: () => string;
  now?: () => number;
  /** Called once per HTTP request sent (metrics, benchmarks). */
  onRequest?: (r: { method: string; path: string; status: number | 'error'; ms: number; bodyChars: number }) => void;
}

interface SdkError { code?: number; body?: unknown; headers?: Record<string, string> }

/** ms from `now` to the next midnight in `timeZone` (HubSpot's daily limit resets on the account's day). */
export function msUntilMidnight(now: number, timeZone: string): number {
  const t = DateTime.fromMillis(now, { zone: timeZone });
  const zone = t.isValid ? timeZone : 'UTC';
  return DateTime.fromMillis(now, { zone }).plus({ days: 1 }).startOf('day').toMillis() - now;
}

/** Maps an SDK/network failure to the port's errors. */
export function mapHubspotError(err: unknown, ctx: { now: number; timeZone: string }): Error {
  const e = err as SdkError;
  if (typeof e?.code === 'number' && e.code >= 100) {
    const status = e.code;
    const h = lower(e.headers ?? {});
    const retryAfterMs = Number(h['retry-after']) > 0 ? Number(h['retry-after']) * 1000 : undefined;
    if (status === 429) {
      // HubSpot's 429 carries no Retry-After: the policy in the body says which limit was hit.
      const policy = String((e.body as { policyName?: unknown } | undefined)?.policyName ?? '');
      // A few seconds past the portal's midnight, so the first retry lands in the new day.
      if (policy === 'DAILY') return new CrmRateLimitedError(msUntilMidnight(ctx.now, ctx.timeZone) + 5_000, `daily limit reached (resets at midnight ${ctx.timeZone})`, e.body, 'daily');
      if (policy === 'SECONDLY') return new CrmRateLimitedError(retryAfterMs ?? 1_000, 'HTTP 429 (secondly limit)', e.body, 'secondly');
      const interval = Number(h['x-hubspot-ratelimit-interval-milliseconds']);
      return new CrmRateLimitedError(retryAfterMs ?? (interval > 0 ? interval : 10_000), 'HTTP 429 (ten-secondly limit)', e.body, 'ten-secondly');
    }
    // 423: the account is locked while a large sync runs; HubSpot asks for at least 2 s.
    if (status === 423) return new CrmRateLimitedError(Math.max(LOCKED_MIN_WAIT_MS, retryAfterMs ?? 0), 'HTTP 423 Locked', e.body, 'locked');
    // 477: the account is moving between data centres; Retry-After says for how long.
    if (status === 477) return new CrmRateLimitedError(retryAfterMs ?? 30_000, 'HTTP 477 Migration in Progress', e.body, 'migration');
    if (status === 401 || status === 403) return new CrmAuthError(status, e.body);
    if (status >= 500) return new CrmUnavailableError('server error', status, e.body);
    if (status === 408) return new CrmUnavailableError('request timeout', status, e.body);
    return new CrmRejectedError(status, e.body);
  }
  if (err instanceof CrmUnavailableError || err instanceof CrmRateLimitedError) return err;
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return new CrmUnavailableError(err instanceof Error ? `${err.message}${cause ? ` (${cause})` : ''}` : String(err), undefined, undefined, { cause: err });
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

export interface HubspotHttp {
  /** Sends one request within the budget; 2xx → status and parsed body, else a port error. */
  /** `body` may be a function: it is called once the budget has granted the request (see crm.ts, shared searches). */
  request<T>(method: 'GET' | 'POST', path: string, body: unknown, kind: RequestKind): Promise<{ status: number; body: T }>;
}

export function createHubspotHttp(opts: HubspotHttpOptions): HubspotHttp {
  const client = new Client({ accessToken: opts.token, basePath: opts.baseUrl.replace(/\/$/, ''), numberOfApiCallRetries: 0 });
  const now = opts.now ?? Date.now;

  async function raw<T>(method: 'GET' | 'POST', path: string, body: unknown, answered: () => void): Promise<{ status: number; body: T }> {
    const res = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
    // HubSpot has received and counted the request once its answer starts: the budget slot is
    // stamped now, not after the body is read and parsed (that time is ours, not HubSpot's).
    answered();
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* keep the raw text (HTML error pages) */ }
    if (!res.ok) {
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => { headers[k] = v; });
      throw Object.assign(new Error(`HTTP ${res.status}`), { code: res.status, body: parsed, headers });
    }
    return { status: res.status, body: parsed as T };
  }

  return {
    async request(method, path, lazyBody, kind) {
      const slot = await opts.budget.acquire(kind, opts.maxBudgetWaitMs);
      let released = false;
      const release = () => { if (!released) { released = true; slot(); } };
      let body: unknown;
      try {
        body = typeof lazyBody === 'function' ? (lazyBody as () => unknown)() : lazyBody;
      } catch (err) {
        release(); // nothing was sent
        throw err;
      }
      const started = Date.now();
      const bodyChars = body === undefined ? 0 : JSON.stringify(body).length;
      let timer: NodeJS.Timeout | undefined;
      try {
        // The SDK has no abort signal: an abandoned request may still be applied by HubSpot,
        // which is exactly the case the pending ledger + record-id search exist for.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CrmUnavailableError(`no response within ${opts.requestTimeoutMs} ms`)), opts.requestTimeoutMs);
        });
        const r = await Promise.race([raw<never>(method, path, body, release), timeout]);
        opts.onRequest?.({ method, path, status: r.status, ms: Date.now() - started, bodyChars });
        return r;
      } catch (err) {
        const code = (err as SdkError)?.code;
        opts.onRequest?.({ method, path, status: typeof code === 'number' ? code : 'error', ms: Date.now() - started, bodyChars });
        throw mapHubspotError(err, { now: now(), timeZone: opts.timeZone?.() ?? 'UTC' });
      } finally {
        clearTimeout(timer);
        release();
      }
    },
  };
}
