// Bad input everywhere gets a reason (issue 14): anything on the ARI socket is an event with
// well-typed fields, "not used", or a rejection with its reason; never an exception, never an
// event whose ids are not strings (which would reach sessions and machines as garbage).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkAriEvent, rejectedAriEvents, USED_ARI_EVENTS } from '../../../src/telephony/ari/translate.ts';

const anything = fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant(undefined), fc.string(), fc.double(), fc.array(fc.anything(), { maxLength: 3 }), fc.object());
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, anything);
const channel = fc.record({
  id: maybe(fc.constantFrom('1790000000.1', 'cmp-a__r1__a1', '')), name: maybe(fc.string()), state: maybe(fc.constantFrom('Up', 'Ring', 'Down')),
  caller: maybe(fc.record({ number: maybe(fc.string()), name: maybe(fc.string()) }, { requiredKeys: [] })),
  dialplan: maybe(fc.record({ context: maybe(fc.string()), exten: maybe(fc.string()), priority: maybe(fc.integer()) }, { requiredKeys: [] })),
  creationtime: maybe(fc.constantFrom('2026-12-01T10:00:00.000+0000', 'yesterday')), language: maybe(fc.string()), channelvars: maybe(fc.dictionary(fc.string(), maybe(fc.string()))),
}, { requiredKeys: [] });
const event = fc.record({
  type: maybe(fc.constantFrom(...USED_ARI_EVENTS, 'ChannelDialplan', 'ChannelCallerId', 'ApplicationMoveFailed')),
  timestamp: maybe(fc.constantFrom('2026-12-01T10:00:00.000+0000', 'not a time')),
  channel: maybe(channel), peer: maybe(channel), caller: maybe(channel), args: maybe(fc.array(maybe(fc.string()), { maxLength: 4 })),
  cause: maybe(fc.integer({ min: 0, max: 127 })), cause_txt: maybe(fc.string()), digit: maybe(fc.constantFrom('1', '#', 'x', '12')), duration_ms: maybe(fc.integer()),
  playback: maybe(fc.record({ id: maybe(fc.string()), target_uri: maybe(fc.string()), state: maybe(fc.constantFrom('done', 'failed')) }, { requiredKeys: [] })),
  recording: maybe(fc.record({ name: maybe(fc.string()), target_uri: maybe(fc.string()), duration: maybe(fc.integer()), cause: maybe(fc.string()) }, { requiredKeys: [] })),
  bridge: maybe(fc.record({ id: maybe(fc.string()) }, { requiredKeys: [] })), dialstatus: maybe(fc.constantFrom('ANSWER', 'BUSY')),
  endpoint: maybe(fc.record({ technology: maybe(fc.string()), resource: maybe(fc.string()), state: maybe(fc.string()), channel_ids: maybe(fc.array(maybe(fc.string()))) }, { requiredKeys: [] })),
  device_state: maybe(fc.record({ name: maybe(fc.string()), state: maybe(fc.string()) }, { requiredKeys: [] })),
  variable: maybe(fc.string()), value: maybe(fc.string()), soft: maybe(fc.boolean()),
}, { requiredKeys: [] });

const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('ARI event translation under fuzzing', () => {
  it('an event with typed fields, not used, or rejected with a reason; never throws', () => {
    const now = () => '2026-12-01T10:00:00.000Z';
    fc.assert(fc.property(fc.oneof(event, anything), (raw) => {
      const r = checkAriEvent(raw, now);
      if ('rejected' in r) { expect(r.rejected.length).toBeGreaterThan(0); return; }
      if ('ignored' in r) { expect(USED_ARI_EVENTS.has((raw as { type: string }).type)).toBe(false); return; }
      const e = r.event as unknown as Record<string, unknown>;
      expect(e.at).toMatch(ISO);
      for (const k of ['channelId', 'playbackId', 'bridgeId', 'peerId', 'name', 'resource', 'device']) if (k in e) expect(nonEmpty(e[k]), k).toBe(true);
      for (const k of ['targetUri', 'causeText', 'status', 'variable', 'value', 'technology', 'state']) if (k in e) expect(typeof e[k], k).toBe('string');
      if ('cause' in e && e.cause !== undefined) expect(e.type === 'recording.failed' ? typeof e.cause === 'string' : Number.isFinite(e.cause)).toBe(true);
      if (e.type === 'dtmf') expect(e.digit).toMatch(/^[0-9*#A-D]$/);
      if (e.type === 'call.started') {
        const ch = e.channel as Record<string, unknown>;
        expect(nonEmpty(ch.id)).toBe(true);
        for (const k of ['name', 'state', 'language']) expect(typeof ch[k]).toBe('string');
        expect(typeof (ch.caller as { number: unknown }).number).toBe('string');
        expect(typeof (ch.dialplan as { exten: unknown }).exten).toBe('string');
        expect((e.args as unknown[]).every((a) => typeof a === 'string')).toBe(true);
        for (const v of Object.values((ch.variables as Record<string, unknown> | undefined) ?? {})) expect(typeof v).toBe('string');
      }
      if (e.type === 'endpoint.state') expect((e.channelIds as unknown[]).every((x) => typeof x === 'string')).toBe(true);
    }), { numRuns: 5000 });
  });

  it('the rejected log counts everything and keeps the last ones with their reason, bounded', () => {
    const log = rejectedAriEvents(10);
    for (let i = 0; i < 25; i++) log.add(i % 2 ? undefined : { type: 'StasisStart', n: i }, i % 2 ? 'not JSON' : 'StasisStart without the channel id', '2026-12-01T10:00:00.000Z', i % 2 ? 'not json {' : undefined);
    expect(log.count()).toBe(25);
    expect(log.recent()).toHaveLength(10);
    expect(log.recent().at(-1)).toMatchObject({ reason: 'StasisStart without the channel id', type: 'StasisStart' });
  });
});
