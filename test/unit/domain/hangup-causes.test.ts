// The cause table against what Asterisk 22.10.1's sources say (see the header of
// src/domain/hangup-causes.ts for the file each column comes from).
import { describe, expect, it } from 'vitest';
import {
  ARI_HANGUP_REASONS, HANGUP_CAUSES, causeFromSip, causeText, classifyCause, classifyDialStatus, classifyUnansweredAttempt,
  dialEventStatus, dialStatusOfCause, hangupCause, sipForCause, sipOfCause,
} from '../../../src/domain/hangup-causes.ts';

describe('hangup causes (Asterisk 22 causes.h / channel.c)', () => {
  it('has each code once, with causes.h names and channel.c texts', () => {
    const codes = HANGUP_CAUSES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(HANGUP_CAUSES.length).toBe(50); // the 49 numbered AST_CAUSE_* codes of causes.h + NOTDEFINED (0)
    expect(hangupCause(17)).toMatchObject({ name: 'USER_BUSY', text: 'User busy' });
    expect(causeText(16)).toBe('Normal Clearing');
    expect(causeText(34)).toBe('Circuit/channel congestion');
    expect(causeText(127)).toBe('Interworking, unspecified');
    // Codes Asterisk does not list read "Unknown" (ast_cause2str), e.g. 32, the soft-hangup flag.
    expect(causeText(32)).toBe('Unknown');
    expect(causeText(0)).toBe('Unknown');
  });

  it('maps SIP responses to causes like ast_sip_hangup_sip2cause, defaults by class', () => {
    const cases: [number, number][] = [
      [486, 17], [600, 17], [603, 21], [403, 21], [404, 1], [604, 1], [408, 18], [480, 19], [503, 34], [500, 38], [502, 27], [484, 28],
      [487, 127], [488, 58], [410, 22], [302, 23], [504, 102],
      [499, 127], [599, 34], [699, 127], [200, 16],
    ];
    for (const [sip, cause] of cases) expect(causeFromSip(sip), `SIP ${sip}`).toBe(cause);
    const seen = new Set<number>();
    for (const c of HANGUP_CAUSES) for (const s of c.fromSip) {
      expect(seen.has(s), `SIP ${s} listed twice`).toBe(false);
      seen.add(s);
    }
  });

  it('answers inbound rejections like hangup_cause2sip (603 when unmapped)', () => {
    expect(sipForCause(17)).toBe(486);
    expect(sipForCause(21)).toBe(403);
    expect(sipForCause(34)).toBe(503);
    expect(sipForCause(19)).toBe(480);
    expect(sipForCause(1)).toBe(404);
    expect(sipForCause(16)).toBe(603);
    expect(sipForCause(999)).toBe(603);
    expect(sipOfCause(19)).toBe(480);
    expect(sipOfCause(16)).toBeUndefined();
  });

  it('derives the Dial event status (dial.c) and DIALSTATUS (app_dial.c) per cause', () => {
    const table: [number, string, string][] = [
      [17, 'BUSY', 'BUSY'], [34, 'CONGESTION', 'CONGESTION'], [19, 'NOANSWER', 'NOANSWER'], [16, 'NOANSWER', 'NOANSWER'],
      [21, 'NOANSWER', 'CHANUNAVAIL'], [1, 'NOANSWER', 'CHANUNAVAIL'], [18, 'NOANSWER', 'CHANUNAVAIL'],
      [3, 'CHANUNAVAIL', 'CHANUNAVAIL'], [20, 'CHANUNAVAIL', 'CHANUNAVAIL'], [127, 'NOANSWER', 'CHANUNAVAIL'],
    ];
    for (const [cause, ev, st] of table) {
      expect(dialEventStatus(cause), `event ${cause}`).toBe(ev);
      expect(dialStatusOfCause(cause), `DIALSTATUS ${cause}`).toBe(st);
      expect(hangupCause(cause)).toMatchObject({ dialEvent: ev, dialStatus: st });
    }
  });

  it('classifies every reject reason a dialler meets', () => {
    const byReason: [string, number, string][] = [
      ['486 busy', 17, 'busy'], ['603 decline', 21, 'declined'], ['404 unknown', 1, 'unknown-number'], ['503 congestion', 34, 'congestion'],
      ['480 unavailable', 19, 'no-answer'], ['408 no response', 18, 'no-answer'], ['484 incomplete', 28, 'unknown-number'],
      ['no route', 3, 'unavailable'], ['normal', 16, 'answered'], ['interworking', 127, 'failed'],
    ];
    for (const [what, cause, cls] of byReason) expect(classifyCause(cause), what).toBe(cls);
    expect(classifyCause(4242)).toBe('failed');
  });

  it('trusts the cause over the dial status for an unanswered attempt', () => {
    // A PJSIP leg declined with 603: Dial event NOANSWER, cause 21.
    expect(classifyUnansweredAttempt('NOANSWER', 21)).toBe('declined');
    expect(classifyUnansweredAttempt('NOANSWER', 1)).toBe('unknown-number');
    // The `;1` half of a Local pair carries cause 0: the dial status decides.
    expect(classifyUnansweredAttempt('BUSY', 0)).toBe('busy');
    expect(classifyUnansweredAttempt('CONGESTION', 0)).toBe('congestion');
    expect(classifyUnansweredAttempt('NOANSWER', 19)).toBe('no-answer');
    expect(classifyUnansweredAttempt('CHANUNAVAIL', undefined)).toBe('unavailable');
    expect(classifyUnansweredAttempt(undefined, 16)).toBe('failed');
    expect(classifyUnansweredAttempt('ANSWER', 16)).toBe('failed');
    expect(classifyDialStatus('cancel')).toBe('no-answer');
  });

  it('maps ARI hangup reasons like resource_channels.c', () => {
    expect(ARI_HANGUP_REASONS.timeout).toBe(18);
    expect(ARI_HANGUP_REASONS.no_answer).toBe(19);
    expect(ARI_HANGUP_REASONS.rejected).toBe(21);
    for (const code of Object.values(ARI_HANGUP_REASONS)) expect(hangupCause(code), String(code)).toBeDefined();
  });
});
