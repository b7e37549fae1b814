// Every call on the PBX becomes one CallRecord, not only the ones in Stasis: the PBX's
// channel events are folded per conversation (linkedid, src/domain/pbx-call.ts) and, when the
// PBX says the conversation is over, published through the same CallRecordSink as Stasis
// records (history, HubSpot, the dashboard). A conversation that went through Stasis is left
// to the call sessions (dedupe by linkedid; the record id `cr-<linkedid>` is also the Stasis
// record's when the Stasis channel started the conversation, and the sink publishes an id
// once). After a reconnection, conversations the PBX no longer has are closed with what was
// seen (PBX_EVENTS_LOST) and conversations it has that we never saw are adopted.
import type { Logger } from '../logger.ts';
import type { CallRecordSink } from '../calls/records.ts';
import type { PbxEvent, PbxManager } from '../telephony/pbx-port.ts';
import { applyEvent, buildPbxRecord, endpointOf, newConversation, originEnteredStasis, type Conversation, type PbxRecordOptions } from '../domain/pbx-call.ts';
import type { CallRecord } from '../domain/call-record.ts';

export interface PbxCallLogOptions extends PbxRecordOptions {
  pbx: PbxManager;
  records: CallRecordSink;
  logger: Logger;
  /** Conversations kept at most (a PBX that never reports ends must not grow memory). */
  maxOpen?: number;
  /**
   * How long after a Stasis conversation ends its PBX record waits before standing in for a
   * Stasis record that never came (default 20 s). The Stasis record is published at the call's
   * end, so it is first; a later PBX record with the same id is a duplicate and dropped.
   */
  stasisGraceMs?: number;
  /**
   * Open conversations kept across a restart (a snapshot written at most every `everyMs`): the
   * PBX's events while the app is down are lost, so a call that ended meanwhile would have no
   * record. Restored, it is closed at the first resync, at the snapshot's time, with what was seen.
   */
  persist?: { load(): string | undefined; save(json: string): void; everyMs?: number };
}

export interface PbxCallLog {
  /** Recordings started by the app (MixMonitor over AMI) join the conversation's record. */
  noteRecording(linkedId: string, file: string, at: string): void;
  /** The same, by one of the conversation's channels (a channel name or unique id). */
  noteRecordingForChannel(channel: string, file: string, at: string): void;
  open(): number;
  stats(): { published: number; duplicates: number; skippedStasis: number; skippedOwn: number; skippedEmpty: number; vanished: number; adopted: number; failed: number; evicted: number; stoodIn: number };
  /** Resolves when every record handed to the sink so far has settled (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

type SavedConversation = Omit<Conversation, 'legs' | 'bridges'> & { legs: [string, unknown][]; bridges: [string, string[]][] };
const saveConversation = (c: Conversation): SavedConversation => ({ ...c, legs: [...c.legs], bridges: [...c.bridges].map(([k, v]) => [k, [...v]]) });
const restoreConversation = (c: SavedConversation): Conversation => ({ ...c, stasisChannels: c.stasisChannels ?? [], legs: new Map(c.legs) as Conversation['legs'], bridges: new Map(c.bridges.map(([k, v]) => [k, new Set(v)])) });

export function createPbxCallLog(o: PbxCallLogOptions): PbxCallLog {
  const log = o.logger.child({ component: 'pbx-calls' });
  const open = new Map<string, Conversation>();
  const maxOpen = o.maxOpen ?? 50_000;
  const stats = { published: 0, duplicates: 0, skippedStasis: 0, skippedOwn: 0, skippedEmpty: 0, vanished: 0, adopted: 0, failed: 0, evicted: 0, stoodIn: 0 };
  const inflight = new Set<Promise<void>>();
  const graceMs = o.stasisGraceMs ?? 20_000;
  // Stand-ins waiting out their grace, by linkedid: kept in the snapshot, so an app kill during
  // the grace does not lose them (the conversation itself has left `open`).
  const standIns = new Map<string, { c: Conversation; vanished: boolean; t: ReturnType<typeof setTimeout> }>();
  const armStandIn = (c: Conversation, vanished: boolean) => {
    if (standIns.has(c.linkedId)) return;
    const t = setTimeout(() => { standIns.delete(c.linkedId); dirty = true; publish(c, vanished, true); }, graceMs);
    t.unref?.();
    standIns.set(c.linkedId, { c, vanished, t });
  };

  function conv(linkedId: string, at: string): Conversation {
    let c = open.get(linkedId);
    if (!c) {
      if (open.size >= maxOpen) {
        // The oldest conversation is closed with what was seen rather than forgotten.
        const oldest = open.keys().next().value!;
        stats.evicted++;
        finish(open.get(oldest)!, true);
      }
      open.set(linkedId, (c = newConversation(linkedId, at)));
    }
    return c;
  }

  function finish(c: Conversation, vanished: boolean) {
    open.delete(c.linkedId);
    const r = buildPbxRecord(c, o, { vanished });
    if ('skip' in r) {
      if (r.skip === 'stasis') {
        stats.skippedStasis++;
        // Stasis() may have failed (no app connected: the dialplan's fallback took the call):
        // then no session recorded it, and this record is the only one there will be.
        if (originEnteredStasis(c, o.stasisApp)) {
          armStandIn(c, vanished);
        }
      }
      else if (r.skip === 'own') stats.skippedOwn++;
      else {
        stats.skippedEmpty++;
        log.warn({ linkedId: c.linkedId, reason: r.reason }, 'PBX conversation without a record');
      }
      return;
    }
    if (vanished) stats.vanished++;
    publish(c, vanished, false, r.record);
  }

  function publish(c: Conversation, vanished: boolean, standIn: boolean, built?: CallRecord) {
    const r = built ? { record: built } : buildPbxRecord(c, o, { vanished, evenIfStasis: true });
    if ('skip' in r) return;
    const p = o.records.publish(r.record).then(
      (first) => {
        if (first) stats.published++; else stats.duplicates++;
        if (first && standIn) { stats.stoodIn++; log.warn({ recordId: r.record.id, linkedId: c.linkedId }, 'a call that ran Stasis() has no record from the app (the app was down or not connected): recorded from the PBX'); }
      },
      (err: unknown) => { stats.failed++; log.error({ err, recordId: r.record.id }, 'PBX call record not published'); },
    ).finally(() => { inflight.delete(p); });
    inflight.add(p);
  }

  // The context each endpoint's channels start in (pjsip.conf `context=`: from-pstn for a trunk).
  // A channel adopted after a reconnect reports only its current context — a caller already
  // moved from from-pstn to a queue would be taken for an internal call.
  const endpointContexts = new Map<string, string>();
  function onEvent(e: PbxEvent) {
    if (e.kind === 'start') {
      const ep = endpointOf(e.channel);
      if (ep && e.context) endpointContexts.set(ep, e.context);
      if (endpointContexts.size > 10_000) endpointContexts.delete(endpointContexts.keys().next().value!);
    }
    switch (e.kind) {
      case 'start': case 'answer': case 'app': case 'bridge': case 'hangup':
      case 'queue-join': case 'queue-connect': case 'queue-abandon':
        applyEvent(conv(e.linkedId, e.at), e);
        return;
      case 'end': {
        const c = open.get(e.linkedId);
        if (!c) return;
        applyEvent(c, e);
        finish(c, false);
        return;
      }
      case 'resync':
        return resync(e);
      default:
        return;
    }
  }

  function resync(e: Extract<PbxEvent, { kind: 'resync' }>) {
    const live = new Map<string, typeof e.live>();
    for (const ch of e.live) {
      let l = live.get(ch.linkedId);
      if (!l) live.set(ch.linkedId, (l = []));
      l.push(ch);
    }
    // Gone while we were not listening: closed at the disconnection (or now) with what we saw.
    for (const c of [...open.values()]) {
      if (live.has(c.linkedId) || c.lastAt > e.at) continue;
      applyEvent(c, { kind: 'end', at: restoredAt.get(c.linkedId) ?? e.disconnectedAt ?? e.at, linkedId: c.linkedId });
      finish(c, true);
    }
    // Alive but unknown (started while we were disconnected): adopted from the snapshot.
    for (const [linkedId, chans] of live) {
      if (open.has(linkedId)) continue;
      stats.adopted++;
      const c = conv(linkedId, e.at);
      for (const ch of chans) {
        const startContext = endpointContexts.get(endpointOf(ch.channel) ?? '') ?? ch.context;
        applyEvent(c, { kind: 'start', at: ch.startedAt, linkedId, channelId: ch.channelId, channel: ch.channel, callerNumber: ch.callerNumber, callerName: ch.callerName, context: startContext, exten: ch.exten });
      }
      for (const ch of chans) if (ch.bridgeId) applyEvent(c, { kind: 'bridge', at: e.at, linkedId, channelId: ch.channelId, channel: ch.channel, bridgeId: ch.bridgeId, entered: true });
    }
  }

  // The PBX's time of the last event seen: what the snapshot knows is true as of then.
  let lastEventAt: string | undefined;
  const off = o.pbx.onEvent((e) => { onEvent(e); dirty = true; if (e.at && (!lastEventAt || e.at > lastEventAt)) lastEventAt = e.at; });
  // Restored conversations end, if the PBX no longer has them, when the snapshot was taken.
  const restoredAt = new Map<string, string>();
  let dirty = false;
  let saver: ReturnType<typeof setInterval> | undefined;
  if (o.persist) {
    const p = o.persist;
    try {
      const raw = p.load();
      if (raw) {
        const snap = JSON.parse(raw) as { at?: string; open: SavedConversation[]; standIns?: { c: SavedConversation; vanished: boolean }[] };
        for (const p of snap.standIns ?? []) armStandIn(restoreConversation(p.c), p.vanished);
        for (const c of snap.open) if (!open.has(c.linkedId)) { open.set(c.linkedId, restoreConversation(c)); restoredAt.set(c.linkedId, snap.at ?? c.lastAt); }
        if (snap.open.length) log.info({ conversations: snap.open.length, at: snap.at }, 'PBX conversations open at the last run restored; closed at the next resync if gone');
        if (snap.open.length) void o.pbx.resync?.().catch((err: unknown) => log.warn({ err }, 'resync after restoring PBX conversations failed; the next connection does it'));
      }
    } catch (err) { log.warn({ err }, 'PBX conversation snapshot unreadable; ignored'); }
    saver = setInterval(() => {
      if (!dirty) return;
      dirty = false;
      try { p.save(JSON.stringify({ at: lastEventAt, open: [...open.values()].map(saveConversation), standIns: [...standIns.values()].map((x) => ({ c: saveConversation(x.c), vanished: x.vanished })) })); } catch (err) { log.warn({ err }, 'PBX conversation snapshot not written'); }
    }, p.everyMs ?? 1000);
    saver.unref?.();
  }
  return {
    noteRecording(linkedId, file, at) {
      const c = open.get(linkedId);
      if (c) applyEvent(c, { kind: 'recording', at, linkedId, file });
    },
    noteRecordingForChannel(channel, file, at) {
      for (const c of open.values()) {
        for (const l of c.legs.values()) if (l.id === channel || l.name === channel) return void applyEvent(c, { kind: 'recording', at, linkedId: c.linkedId, file });
      }
    },
    open: () => open.size,
    stats: () => ({ ...stats }),
    async idle() { while (inflight.size) await Promise.all([...inflight]); },
    stop() { off(); clearInterval(saver); for (const p of standIns.values()) clearTimeout(p.t); standIns.clear(); },
  };
}
