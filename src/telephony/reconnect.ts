// Asterisk keeps nothing for an app while its socket is down: whatever ended meanwhile (a
// prompt, a ringing agent leg, a whole PBX restart) is never reported. Each component that
// waits on PBX events resynchronises itself when the socket comes back.
import type { Telephony, TelephonyEvent } from './port.ts';

/** Feed it every event; it calls `fn(lostAt)` on each `connected` that follows a loss of the socket. */
export function reconnectWatch(fn: (lostAt: string) => void): (ev: TelephonyEvent) => void {
  let lostAt: string | undefined;
  return (ev) => {
    if (ev.type !== 'connection') return;
    if (ev.state !== 'connected') { lostAt ??= ev.at; return; }
    if (lostAt === undefined) return;
    const at = lostAt;
    lostAt = undefined;
    fn(at);
  };
}

/** Calls `fn(lostAt)` on each `connected` that follows a loss of the event socket. */
export function onReconnected(telephony: Pick<Telephony, 'onEvent'>, fn: (lostAt: string) => void): () => void {
  return telephony.onEvent(reconnectWatch(fn));
}
