// HubSpot's error answers mapped to what the worker does, on an injected instant (no wall clock).
import { expect, it } from 'vitest';
import { mapHubspotError } from '../../../src/integrations/hubspot/sdk-http.ts';
import { CrmRateLimitedError, CrmRejectedError } from '../../../src/integrations/hubspot/port.ts';

const answer = (code: number, body: unknown, headers: Record<string, string> = {}) => ({ code, body, headers });
// 2026-11-20 04:30 UTC = 23:30 on the 19th in Bogotá (UTC−5) = 13:30 on the 20th in Tokyo (UTC+9).
const NOW = Date.parse('2026-11-20T04:30:00Z');

it("a daily-limit 429 waits for the portal's midnight (its time zone, not UTC), a few seconds past it", () => {
  const bogota = mapHubspotError(answer(429, { policyName: 'DAILY', message: 'You have reached your daily limit.' }), { now: NOW, timeZone: 'America/Bogota' });
  expect(bogota).toBeInstanceOf(CrmRateLimitedError);
  expect((bogota as CrmRateLimitedError).policy).toBe('daily');
  expect((bogota as CrmRateLimitedError).retryAfterMs).toBe(30 * 60_000 + 5_000);
  const tokyo = mapHubspotError(answer(429, { policyName: 'DAILY' }), { now: NOW, timeZone: 'Asia/Tokyo' });
  expect((tokyo as CrmRateLimitedError).retryAfterMs).toBe(10.5 * 3_600_000 + 5_000);
  // Not UTC's midnight (19.5 h away).
  expect((bogota as CrmRateLimitedError).retryAfterMs).not.toBe(19.5 * 3_600_000 + 5_000);
});

it('429 without Retry-After: the policy decides (secondly 1 s, ten-secondly the interval header)', () => {
  const s = mapHubspotError(answer(429, { policyName: 'SECONDLY' }), { now: NOW, timeZone: 'UTC' }) as CrmRateLimitedError;
  expect([s.policy, s.retryAfterMs]).toEqual(['secondly', 1_000]);
  const t = mapHubspotError(answer(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' }), { now: NOW, timeZone: 'UTC' }) as CrmRateLimitedError;
  expect([t.policy, t.retryAfterMs]).toEqual(['ten-secondly', 10_000]);
});

it('423 waits at least 2 s, 477 its Retry-After; neither is a permanent refusal', () => {
  const locked = mapHubspotError(answer(423, { message: 'Locked' }), { now: NOW, timeZone: 'UTC' });
  expect(locked).toBeInstanceOf(CrmRateLimitedError);
  expect((locked as CrmRateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(2_000);
  const moving = mapHubspotError(answer(477, { message: 'Migration in Progress' }, { 'Retry-After': '45' }), { now: NOW, timeZone: 'UTC' });
  expect(moving).toBeInstanceOf(CrmRateLimitedError);
  expect((moving as CrmRateLimitedError).retryAfterMs).toBe(45_000);
  expect(mapHubspotError(answer(400, { message: 'bad' }), { now: NOW, timeZone: 'UTC' })).toBeInstanceOf(CrmRejectedError);
});
