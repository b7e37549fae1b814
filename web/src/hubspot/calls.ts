// What HubSpot is told about a centralita click-to-call (pure; web/src/hubspot/cti.ts sends it).
// centralita logs every call itself (one engagement, with the agent's wrap-up), so the SDK is
// always told createEngagement: false and callCompleted never carries engagement properties.

/** GET /api/console/:agentId/calls/:id */
export interface CallStatus {
  id: string;
  agentId: string;
  number: string;
  state: 'ringing-agent' | 'dialling' | 'connected' | 'ended';
  startedAt: string;
  answeredAt?: string;
  endedAt?: string;
  disposition?: string;
  hungUpBy?: 'agent' | 'far-end' | 'system';
  callId?: string;
}

/** The SDK's end statuses (OnCallEnded.callEndStatus). */
export type EndStatus = 'COMPLETED' | 'FAILED' | 'CANCELED' | 'BUSY' | 'NO_ANSWER' | 'REJECTED' | 'MISSED';

/** centralita's call disposition → the SDK's end status. */
export function endStatusOf(s: Pick<CallStatus, 'disposition' | 'answeredAt'>): EndStatus {
  switch (s.disposition) {
    case 'answered': case 'voicemail': return 'COMPLETED';
    case 'busy': return 'BUSY';
    case 'no-answer': return 'NO_ANSWER';
    case 'declined': return 'REJECTED';
    // The agent did not take the call on their phone: nothing was dialled.
    case 'not-dialled': return 'CANCELED';
    default: return s.answeredAt ? 'COMPLETED' : 'FAILED';
  }
}

/** Which SDK messages a change of state sends, in order (each at most once per call). */
export type CallEvent = 'answered' | 'ended';
export function eventsFor(prev: CallStatus['state'] | undefined, next: CallStatus): CallEvent[] {
  const out: CallEvent[] = [];
  const was = (s: CallStatus['state']) => prev === s;
  if (next.state === 'connected' && !was('connected')) out.push('answered');
  if (next.state === 'ended' && !was('ended')) {
    // Answered and ended between two polls: HubSpot still hears that it was answered.
    if (next.answeredAt && !was('connected')) out.push('answered');
    out.push('ended');
  }
  return out;
}
