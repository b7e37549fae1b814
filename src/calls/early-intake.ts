// Calls that reach our Stasis app while this process is still starting (issue 14): the ARI
// WebSocket is connected early (the ACD and the dialler need it), so Asterisk starts sending
// StasisStart before the call service exists — and never sends it again. This buffer holds
// every event from the moment ARI is connected until the call service takes over, which
// replays them in order. A caller waiting here is never left in silence: an unanswered call
// hears the network's ringback; an answered one (a campaign callee) gets music on hold, which
// the call service stops when it takes the call.
import type { Logger } from '../logger.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';

export interface EarlyIntake {
  /** Everything heard so far, in order, and the channels put on hold; stops buffering. */
  take(): { events: TelephonyEvent[]; onHold: string[] };
}

/** Above this the oldest events are dropped (counted): a start-up that long has other problems. */
const MAX_EVENTS = 20_000;

export function bufferEarlyEvents(telephony: Telephony, logger: Logger, o: { isRole: (arg: string) => boolean }): EarlyIntake {
  const events: TelephonyEvent[] = [];
  const onHold: string[] = [];
  let dropped = 0;
  let taken = false;
  const off = telephony.onEvent((ev) => {
    if (taken) return;
    if (events.length >= MAX_EVENTS) { events.shift(); dropped++; }
    events.push(ev);
    if (ev.type !== 'call.started') return;
    const first = ev.args[0];
    if (first !== undefined && o.isRole(first)) return;
    if (ev.channel.state !== 'Up') return; // ringback until the flow answers
    onHold.push(ev.channel.id);
    telephony.startMoh(ev.channel.id).catch((err: unknown) => logger.warn({ err, channelId: ev.channel.id }, 'could not hold a call that arrived during start-up'));
  });
  return {
    take() {
      taken = true;
      off();
      const calls = events.filter((e) => e.type === 'call.started').length;
      if (calls || dropped) logger.info({ calls, events: events.length, dropped, onHold: onHold.length }, 'calls that arrived during start-up taken over');
      return { events: events.splice(0), onHold: onHold.splice(0) };
    },
  };
}
