import { describe, expect, it } from 'vitest';
import { AmiFieldError, AmiFrameError, AmiParser, chanVariables, serializeAction, type AmiMessage } from '../../../src/telephony/ami/protocol.ts';
import { parseFilter, passes } from '../../../src/sim/ami/filter.ts';

const STREAM = 'Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n' +
  'Event: CEL\r\nPrivilege: call,all\r\nTimestamp: 1796150838.240084\r\nEventName: CHAN_START\r\nAppData: PJSIP/3102,20\r\nExtra: {"a":"b: c"}\r\n\r\n' +
  'Event: Status\r\nChanVariable: A=1\r\nChanVariable: B=x=y\r\n\r\n';

describe('AMI wire format', () => {
  it('reads the banner and messages whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, STREAM.length]) {
      const got: AmiMessage[] = [];
      let banner = '';
      const p = new AmiParser((m) => got.push(m), (v) => { banner = v; });
      for (let i = 0; i < STREAM.length; i += size) p.push(STREAM.slice(i, i + size));
      expect(banner).toBe('11.0.0');
      expect(got).toHaveLength(3);
      expect(got[1]).toMatchObject({ Event: 'CEL', EventName: 'CHAN_START', AppData: 'PJSIP/3102,20', Extra: '{"a":"b: c"}', Timestamp: '1796150838.240084' });
      expect(chanVariables(got[2]!)).toEqual({ A: '1', B: 'x=y' });
    }
  });

  it('refuses what is not AMI, and an endless message', () => {
    expect(() => new AmiParser(() => {}).push('HTTP/1.1 400 Bad Request\r\n')).toThrow(AmiFrameError);
    const p = new AmiParser(() => {});
    p.push('Asterisk Call Manager/11.0.0\r\n');
    expect(() => p.push('X'.repeat((1 << 20) + 10))).toThrow(/exceeds/);
  });

  it('writes actions with repeated headers and refuses a value that would inject a header', () => {
    expect(serializeAction('Originate', 'id-1', { Channel: 'PJSIP/1001', Variable: ['A=1', 'B=2'], Skip: undefined }))
      .toBe('Action: Originate\r\nActionID: id-1\r\nChannel: PJSIP/1001\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n');
    expect(() => serializeAction('QueuePause', 'id-2', { Reason: 'lunch\r\nAction: Command' })).toThrow(AmiFieldError);
  });
});

describe('manager.conf eventfilter (simulator)', () => {
  const ev = (name: string, fields: Record<string, string>) => [name, fields, () => `Event: ${name}\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\r\n')}`] as const;
  it('include filters keep any match, then exclude filters drop', () => {
    const f = [parseFilter('eventfilter(action(include),name(CEL))', ''), parseFilter('eventfilter(action(exclude),name(CEL),header(EventName),method(regex))', '^(APP_END|DTMF)$')];
    expect(passes(f, ...ev('CEL', { EventName: 'CHAN_START' }))).toBe(true);
    expect(passes(f, ...ev('CEL', { EventName: 'APP_END' }))).toBe(false);
    expect(passes(f, ...ev('Newexten', { Channel: 'PJSIP/1' }))).toBe(false);
  });
  it('legacy filters match the whole payload; no filters pass everything', () => {
    expect(passes([parseFilter('eventfilter', '!Channel: Local/')], ...ev('Newchannel', { Channel: 'Local/1@x-00000001;1' }))).toBe(false);
    expect(passes([], ...ev('Anything', {}))).toBe(true);
    expect(() => parseFilter('eventfilter(method(nope))', 'x')).toThrow(/method/);
  });
});
