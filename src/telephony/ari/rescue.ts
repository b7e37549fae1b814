// The restarted process's very first ARI step (issue 14): REST only, before the heavy
// start-up is even imported. Calls a killed process left in our Stasis app hear nothing until
// someone acts on them (Asterisk sends no StasisStart again when an app reconnects), so they
// are handed back here, within a fraction of a second of the new process starting, instead
// of after the several seconds the full start-up takes. ARI REST acts on any channel in Stasis
// whether or not our WebSocket is connected, so no WebSocket is needed (none is opened: that
// would register the app and let new calls in before anything can take them).
import { AriHttpError, createHttpRest } from './http-rest.ts';

export interface RescueTarget { channelId: string; action: 'continue' | 'hangup' }
export type RescueOutcome = 'handed-back' | 'gone' | 'failed';

export async function rescueChannels(o: { url: string; user: string; password: string; timeoutMs?: number }, targets: readonly RescueTarget[]): Promise<Map<string, RescueOutcome>> {
  const out = new Map<string, RescueOutcome>();
  if (targets.length === 0) return out;
  const rest = createHttpRest({ baseUrl: o.url, user: o.user, password: o.password, maxSockets: 8 });
  const timeout = o.timeoutMs ?? 2000;
  try {
    await Promise.all(targets.map(async (t) => {
      try {
        if (t.action === 'hangup') await rest.call('channels.hangup', { channelId: t.channelId, reason: 'normal' }, timeout);
        else await rest.call('channels.continueInDialplan', { channelId: t.channelId }, timeout);
        out.set(t.channelId, 'handed-back');
      } catch (err) {
        // 404: the channel is gone (the caller hung up); 409/422: not in Stasis any more.
        out.set(t.channelId, err instanceof AriHttpError && [404, 409, 422].includes(err.status) ? 'gone' : 'failed');
      }
    }));
  } finally {
    rest.close();
  }
  return out;
}
