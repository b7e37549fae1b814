// What the HubSpot calling extension tells HubSpot about a centralita call (web/src/hubspot/calls.ts).
import { describe, expect, it } from 'vitest';
import { endStatusOf, eventsFor, type CallStatus } from '../../../web/src/hubspot/calls.ts';

const st = (state: CallStatus['state'], extra: Partial<CallStatus> = {}): CallStatus => ({ id: 'x', agentId: 'bruno', number: '+573005551234', state, startedAt: '2026-12-01T15:00:00.000Z', ...extra });

describe('HubSpot calling extension: call states', () => {
  it('maps centralita dispositions to the SDK end statuses', () => {
    expect(endStatusOf({ disposition: 'answered' })).toBe('COMPLETED');
    expect(endStatusOf({ disposition: 'busy' })).toBe('BUSY');
    expect(endStatusOf({ disposition: 'no-answer' })).toBe('NO_ANSWER');
    expect(endStatusOf({ disposition: 'declined' })).toBe('REJECTED');
    expect(endStatusOf({ disposition: 'not-dialled' })).toBe('CANCELED');
    expect(endStatusOf({ disposition: 'failed' })).toBe('FAILED');
    expect(endStatusOf({ disposition: 'unknown-number', answeredAt: '2026-12-01T15:00:02.000Z' })).toBe('COMPLETED');
  });
  it('sends answered and ended once each, answered too when both happened between two polls', () => {
    expect(eventsFor('ringing-agent', st('dialling'))).toEqual([]);
    expect(eventsFor('dialling', st('connected', { answeredAt: 'a' }))).toEqual(['answered']);
    expect(eventsFor('connected', st('connected', { answeredAt: 'a' }))).toEqual([]);
    expect(eventsFor('connected', st('ended', { answeredAt: 'a', disposition: 'answered' }))).toEqual(['ended']);
    expect(eventsFor('dialling', st('ended', { answeredAt: 'a', disposition: 'answered' }))).toEqual(['answered', 'ended']);
    expect(eventsFor('dialling', st('ended', { disposition: 'no-answer' }))).toEqual(['ended']);
    expect(eventsFor('ended', st('ended', { disposition: 'no-answer' }))).toEqual([]);
  });
});
