import { describe, it, expect } from 'vitest';
import { DateTime } from 'luxon';
import { decideAfterAttempt, parseCampaignSettings, windowDecision, sanitizeId } from '../../../src/domain/campaign.ts';

const settings = parseCampaignSettings({ window: { start: '09:00', end: '19:00', days: [1, 2, 3, 4, 5] }, retry: { busy: { delaySec: 60, maxAttempts: 3 } } });
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('calling windows in the recipient time zone', () => {
  it('is open inside the window', () => {
    expect(windowDecision(at('2026-03-10T10:00', 'America/Bogota'), ['America/Bogota'], settings)).toEqual({ kind: 'open' });
  });
  it('delays to the next opening, skipping the weekend', () => {
    const friEvening = at('2026-03-13T19:30', 'America/Bogota');
    expect(windowDecision(friEvening, ['America/Bogota'], settings)).toEqual({ kind: 'later', at: at('2026-03-16T09:00', 'America/Bogota') });
  });
  it('uses the recipient zone, not the server one', () => {
    // 15:00 UTC is 10:00 in Bogotá (open) and 16:00 in Madrid (open), 07:00 in Los Angeles (closed).
    const t = Date.UTC(2026, 2, 10, 15, 0);
    expect(windowDecision(t, ['Europe/Madrid'], settings).kind).toBe('open');
    expect(windowDecision(t, ['America/Los_Angeles'], settings)).toEqual({ kind: 'later', at: at('2026-03-10T09:00', 'America/Los_Angeles') });
  });
  it('requires every zone of a multi-zone country to be open', () => {
    const t = at('2026-03-10T09:30', 'America/New_York');
    const d = windowDecision(t, ['America/New_York', 'America/Los_Angeles'], settings);
    expect(d).toEqual({ kind: 'later', at: at('2026-03-10T09:00', 'America/Los_Angeles') });
  });
  it('handles the DST change (Madrid, last Sunday of March) in local time', () => {
    const s = parseCampaignSettings({ window: { start: '09:00', end: '19:00', days: [1, 2, 3, 4, 5, 6, 7] } });
    const sat = at('2026-03-28T20:00', 'Europe/Madrid');
    const d = windowDecision(sat, ['Europe/Madrid'], s);
    expect(d).toEqual({ kind: 'later', at: at('2026-03-29T09:00', 'Europe/Madrid') });
    expect(DateTime.fromMillis((d as { at: number }).at, { zone: 'Europe/Madrid' }).offset).toBe(120);
  });
  it('respects start and end dates, and expires after the end date', () => {
    const s = parseCampaignSettings({ startDate: '2026-03-16', endDate: '2026-03-17' });
    expect(windowDecision(at('2026-03-10T10:00', 'America/Bogota'), ['America/Bogota'], s)).toEqual({ kind: 'later', at: at('2026-03-16T09:00', 'America/Bogota') });
    expect(windowDecision(at('2026-03-17T19:01', 'America/Bogota'), ['America/Bogota'], s).kind).toBe('expired');
  });
});

describe('retry policy', () => {
  it('retries busy until maxAttempts, then stops with the outcome', () => {
    expect(decideAfterAttempt(settings, 'busy', 1)).toEqual({ final: false, retryInMs: 60_000, nextAttempt: 2 });
    expect(decideAfterAttempt(settings, 'busy', 3)).toEqual({ final: true, outcome: 'busy' });
    expect(decideAfterAttempt(settings, 'answered', 1)).toEqual({ final: true, outcome: 'answered' });
    // Default voicemail rule: one attempt.
    expect(decideAfterAttempt(settings, 'voicemail', 1)).toEqual({ final: true, outcome: 'voicemail' });
  });
  it('rejects bad settings with every problem listed', () => {
    expect(() => parseCampaignSettings({ maxCallsPerSecond: -1, window: { start: '25:00' } })).toThrow(expect.objectContaining({ code: 'CAMPAIGN_SETTINGS_INVALID' }));
    expect(() => parseCampaignSettings({ window: { start: '18:00', end: '09:00' } })).toThrow(/end 09:00 must be after start/);
    expect(() => parseCampaignSettings({ unknownKey: 1 })).toThrow(/unknownKey|Unrecognized/);
  });
  it('makes ids safe for BullMQ', () => {
    expect(sanitizeId('Campaña Marzo: 2026')).toBe('Campana-Marzo-2026');
  });
});
