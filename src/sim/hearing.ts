// What the far end of each channel hears, as a timeline (issue 14, "no dead air"): ringing,
// a prompt, music on hold, the other party of a bridge, or silence. It is derived from the
// channel's real state (its playback, MOH, bridge and the bridge's members, ringing
// indication) every time something about that state changes, so it shows what Asterisk
// would send on the wire, not what the app meant to do. Before the channel is answered the
// far end hears the network's ringback (inbound) or its own phone ringing (outbound).
import type { Chan, Ctx } from './model.ts';
import type { Heard } from './types.ts';

function playingTo(x: Ctx, c: Chan): string | undefined {
  if (c.playback?.state === 'playing') return c.playback.media[c.playback.idx];
  const f = c.farEnd;
  if (f?.dialplanPromptUntil !== undefined && x.clock.now() < f.dialplanPromptUntil) return f.dialplanPrompt;
  const b = c.bridge;
  if (!b) return undefined;
  for (const p of x.playbacks.values()) if (p.bridge === b && p.state === 'playing') return p.media[p.idx];
  return undefined;
}

function hearing(x: Ctx, c: Chan): { what: Heard; media?: string } | undefined {
  if (!c.alive || !c.farEnd) return undefined;
  if (!c.answered) return { what: 'ringing' };
  const media = playingTo(x, c);
  if (media !== undefined) return { what: 'prompt', media };
  if (c.moh !== undefined || c.bridge?.moh !== undefined) return { what: 'moh' };
  if (c.bridge && c.bridge.channels.some((o) => o !== c && o.alive)) return { what: 'bridged' };
  if (c.farEnd.dialledPeer?.alive) return { what: 'bridged' };
  if (c.farEnd.ringing) return { what: 'ringing' };
  if (c.recording?.state === 'recording') return { what: 'recording' };
  return { what: 'silence' };
}

/** Re-reads what `c`'s far end hears now; starts a new span when it changed. */
export function trackHearing(x: Ctx, c: Chan): void {
  const f = c.farEnd;
  if (!f) return;
  const spans = (f.heard ??= []);
  const last = spans[spans.length - 1];
  if (last?.to !== undefined) return; // the call ended: the timeline is closed
  const at = x.clock.now();
  const h = hearing(x, c);
  if (last && h && last.what === h.what && last.media === h.media) return;
  // A state that lasted no time (answered and a prompt started at once) is not a span.
  if (last && last.from === at && spans.length > 1) {
    spans.pop();
    const prev = spans[spans.length - 1]!;
    if (h && prev.what === h.what && prev.media === h.media) { delete prev.to; return; }
    prev.to = at;
  } else if (last) last.to = at;
  if (h) spans.push({ what: h.what, from: at, ...(h.media !== undefined ? { media: h.media } : {}) });
  else if (!last) spans.push({ what: 'silence', from: at, to: at });
}

/** Re-reads every member of a bridge (someone joined, left, or a bridge prompt ended). */
export function trackBridge(x: Ctx, members: Iterable<Chan>): void {
  for (const o of members) trackHearing(x, o);
}

/** The far end of `c` is told the network is ringing (ARI ring, dialplan Ringing) or no longer. */
export function setRinging(x: Ctx, c: Chan, on: boolean): void {
  if (!c.farEnd) return;
  c.farEnd.ringing = on;
  trackHearing(x, c);
}

/** A dialplan Playback() step: the far end hears `sound` for `ms`. */
export function dialplanPrompt(x: Ctx, c: Chan, sound: string, ms: number): void {
  if (!c.farEnd) return;
  c.farEnd.dialplanPrompt = `sound:${sound}`;
  c.farEnd.dialplanPromptUntil = x.clock.now() + ms;
  trackHearing(x, c);
  x.clock.setTimer(ms, () => trackHearing(x, c));
}
