import { describe, expect, it } from 'vitest';
import { toAcdEvent, toStoredQueueEvent } from '../../../src/history/capture.ts';
import { wavDurationSec, recordingsOf } from '../../../src/recordings/archiver.ts';
import { numberKeys } from '../../../src/store/call-history.ts';
import { recordingLinks } from '../../../src/recordings/links.ts';
import { sampleRecord } from '../../helpers/records.ts';

describe('history capture mapping', () => {
  it('maps a bus queue event to a stored one and back to the ACD shape', () => {
    const bus = { type: 'ring', queueId: 'sales', callId: 'c1', at: '2026-03-02T14:00:00.000Z', agentIds: ['ana', 'luis'] };
    const stored = toStoredQueueEvent('e1', bus)!;
    expect(stored).toEqual({ id: 'e1', type: 'ring', queueId: 'sales', callId: 'c1', at: Date.parse(bus.at), data: { agentIds: ['ana', 'luis'] } });
    expect(toAcdEvent(stored)).toEqual({ type: 'ring', queueId: 'sales', callId: 'c1', at: Date.parse(bus.at), agentIds: ['ana', 'luis'] });
    const leave = toStoredQueueEvent('e2', { type: 'leave', queueId: 'q', callId: 'c', at: '2026-03-02T14:00:00Z', outcome: 'exit-key', waitSec: 12.5, digit: '0' })!;
    expect(toAcdEvent(leave)).toEqual({ type: 'leave', queueId: 'q', callId: 'c', at: Date.parse('2026-03-02T14:00:00Z'), outcome: 'exit-key', waitSec: 12.5, digit: '0' });
  });

  it('refuses malformed events (kept out, logged by the caller) instead of storing junk', () => {
    expect(toStoredQueueEvent('x', { type: 'explode', queueId: 'q', callId: 'c', at: '2026-03-02T14:00:00Z' })).toBeUndefined();
    expect(toStoredQueueEvent('x', { type: 'join', queueId: 'q', callId: 'c', at: 'yesterday' })).toBeUndefined();
    expect(toStoredQueueEvent('x', { type: 'join', queueId: 7, callId: 'c', at: '2026-03-02T14:00:00Z' })).toBeUndefined();
    expect(toStoredQueueEvent('x', { type: 'connect', queueId: 'q', callId: 'c', at: '2026-03-02T14:00:00Z', waitSec: 'NaN' })).toEqual({ id: 'x', type: 'connect', queueId: 'q', callId: 'c', at: Date.parse('2026-03-02T14:00:00Z') });
  });
});

describe('call search number keys', () => {
  it('normalises any written form to the E.164 the records hold, and keeps the raw form for extensions', () => {
    expect(numberKeys('(300) 123-4567', 'CO')).toContain('+573001234567');
    expect(numberKeys('0057 300 123 4567', 'CO')).toContain('+573001234567');
    expect(numberKeys('1001', 'CO')).toEqual(['1001']);
  });
});

describe('recordings', () => {
  it('reads the duration of a PCM WAV from its header', () => {
    const data = Buffer.alloc(16000 * 3); // 3 s of 8 kHz 16-bit mono
    const h = Buffer.alloc(44);
    h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12); h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(8000, 24); h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
    h.write('data', 36); h.writeUInt32LE(data.length, 40);
    expect(wavDurationSec(Buffer.concat([h, data]))).toBe(3);
    expect(wavDurationSec(Buffer.from('not a wav file at all, not at all, no no no no'))).toBeUndefined();
  });

  it('archives queue recordings and voicemails of a record', () => {
    expect(recordingsOf(sampleRecord(1, { recording: { name: 'q-1' }, voicemail: { name: 'vm-1', durationSec: 12 } })).map((j) => [j.name, j.durationSec ?? null])).toEqual([['q-1', null], ['vm-1', 12]]);
    expect(recordingsOf(sampleRecord(2))).toEqual([]);
  });

  it('signs links per recording and version; a revoked version no longer verifies', () => {
    const l = recordingLinks('s'.repeat(40), 'https://pbx.example.com');
    const t1 = l.token('rec-1', 1);
    expect(l.verify('rec-1', 1, t1)).toBe(true);
    expect(l.verify('rec-1', 2, t1)).toBe(false);
    expect(l.verify('rec-2', 1, t1)).toBe(false);
    expect(l.verify('rec-1', 1, t1.slice(0, -1))).toBe(false);
    expect(l.url('rec 1', 1)).toBe(`https://pbx.example.com/recordings/rec%201?token=${l.token('rec 1', 1)}`);
    expect(recordingLinks('s'.repeat(40), undefined).url('rec-1', 1)).toBeUndefined();
    expect(recordingLinks('t'.repeat(40), 'https://pbx.example.com').token('rec-1', 1)).not.toBe(t1);
  });
});
