// Every log line of a call carries its ids, and a campaign call also its campaign and row,
// so one query (CloudWatch Logs Insights, jq) follows a call or a whole campaign across the
// Stasis core and the dialler.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { testFlows } from '../../fakes/test-flows.ts';
import { createCallService } from '../../../src/calls/service.ts';
import { createCallActors, actorImplementations } from '../../../src/calls/actors.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';

const flush = () => new Promise((r) => setImmediate(r));

describe('call log correlation', () => {
  it('a failing campaign call logs with callId, channelId, flowId, campaignId and rowId', async () => {
    const telephony = createFakeTelephony();
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => { logs.push(JSON.parse(l) as Record<string, unknown>); } });
    // The record sink fails: the service logs that with the call's child logger.
    const svc = createCallService({ telephony, flows: testFlows(), actors: actorImplementations(createCallActors({ telephony })), records: { publish: async () => { throw new Error('redis down'); }, close: async () => {} }, bus: createEventBus(), logger, clock: () => new Date('2026-01-05T15:10:00Z') });
    svc.start();
    const ch = telephony.placeCall({ args: ['campaign', 'c-42', 'row-7', '2', 'hello'], state: 'Up', to: 's', variables: { CENTRALITA_CONTACT_ID: '901', CENTRALITA_PHONE: '3004445566' } });
    await flush();
    telephony.callerHangup(ch, { cause: 16 });
    await flush();
    await flush();
    const line = logs.find((l) => l.msg === 'call record not published');
    expect(line).toMatchObject({ callId: ch, channelId: ch, flowId: 'hello', campaignId: 'c-42', rowId: 'row-7' });
  });
});
