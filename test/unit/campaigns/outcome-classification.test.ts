// Issue 13, fix 4: an unanswered attempt's outcome comes from the hangup cause, per cause, the
// same for the dialler, call records and the dial node. The rows are what a real Asterisk
// 22.10.1 reported for each SIP final response of a PJSIP callee (lab, see docs/stasis.md).
import { describe, expect, it } from 'vitest';
import { buildCallRecord } from '../../../src/calls/records.ts';
import { decideAfterAttempt, parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { classifyUnanswered } from '../../../src/workers/dialer.ts';

// [SIP response, Dial event status Asterisk sent, ChannelDestroyed cause, outcome]
const MEASURED: [string, string, number, string][] = [
  ['603 Decline', 'NOANSWER', 21, 'declined'],
  ['404 Not Found', 'NOANSWER', 1, 'unknown-number'],
  ['484 Address Incomplete', 'NOANSWER', 28, 'unknown-number'],
  ['486 Busy Here', 'BUSY', 17, 'busy'],
  ['480 Temporarily Unavailable', 'NOANSWER', 19, 'no-answer'],
  ['503 Service Unavailable', 'CONGESTION', 34, 'failed'],
];

describe('unanswered attempts by hangup cause', () => {
  it.each(MEASURED)('%s (Dial %s, cause %i) → %s in the dialler', (_sip, status, cause, outcome) => {
    expect(classifyUnanswered(status, cause)).toBe(outcome);
  });

  it.each(MEASURED)('%s (cause %i) → %s in an outbound call record', (_sip, _status, cause, outcome) => {
    const r = buildCallRecord({
      input: { callId: 'c', channelId: 'c', direction: 'outbound', from: '+576015550000', to: '+573001112233', language: 'es', variables: {}, startedAt: '2026-03-02T15:00:00.000Z' },
      endedAt: '2026-03-02T15:00:20.000Z', hangupCause: cause, hangupSide: 'far-end',
    }, { defaultCountry: 'CO' });
    expect(r.disposition).toBe(outcome);
  });

  it('the cause wins over the Dial status; a cause that says nothing (0 on a Local ;1 half, 16) defers to it', () => {
    expect(classifyUnanswered('NOANSWER', 21)).toBe('declined'); // before: no-answer
    expect(classifyUnanswered('BUSY', 0)).toBe('busy');
    expect(classifyUnanswered('CONGESTION', 0)).toBe('failed');
    expect(classifyUnanswered('NOANSWER', 16)).toBe('no-answer');
    expect(classifyUnanswered(undefined, 18)).toBe('no-answer');
    expect(classifyUnanswered('CHANUNAVAIL', 3)).toBe('failed');
  });

  it('an unknown number is never dialled again; a decline is retried once, an hour later (defaults)', () => {
    const s = parseCampaignSettings({});
    expect(decideAfterAttempt(s, 'unknown-number', 1)).toEqual({ final: true, outcome: 'unknown-number' });
    expect(decideAfterAttempt(s, 'declined', 1)).toEqual({ final: false, retryInMs: 3_600_000, nextAttempt: 2 });
    expect(decideAfterAttempt(s, 'declined', 2)).toEqual({ final: true, outcome: 'declined' });
    const custom = parseCampaignSettings({ retry: { declined: { delaySec: 60, maxAttempts: 1 } } });
    expect(decideAfterAttempt(custom, 'declined', 1)).toEqual({ final: true, outcome: 'declined' });
  });
});
