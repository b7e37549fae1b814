// The in-memory PBX behind the simulator, assembled from modules that follow Asterisk's own
// layers: channel core and snapshots (core, lifecycle), technologies (tech-local, tech-pjsip),
// the dialplan, the Stasis control queue, media (playback, recording), bridges, Stasis apps,
// endpoints, and the simulated world (world). It speaks in ARI terms (snapshots and event
// payloads shaped like Asterisk 22's), so the HTTP layer is a thin translation.
import { mkdirSync } from 'node:fs';
import type { Dialplan } from './types.ts';
import { AriError, ariTime, createCtx, type PbxOptions, type Snapshot } from './model.ts';
import { ts } from './core.ts';
import { appOps } from './apps.ts';
import { bridgeOps } from './bridges.ts';
import { channelOps } from './channel-ops.ts';
import { endpointOps } from './endpoints.ts';
import { playbackOps } from './playback.ts';
import { recordingOps } from './recording.ts';
import { worldOps } from './world.ts';
import { surfaceOps } from './surface-ops.ts';
import { amiCore } from './ami-core.ts';
import { sipCore } from './sip-core.ts';

export { AriError, ariTime, parseCallerId, type EndpointConfig, type EventSink, type PbxOptions } from './model.ts';
export { patternRegex } from './dialplan.ts';
export { causeText } from '../domain/hangup-causes.ts';

export type Pbx = ReturnType<typeof createPbx>;

export function createPbx(opts: PbxOptions) {
  const x = createCtx(opts);
  mkdirSync(opts.recordingsDir, { recursive: true });
  const channels = channelOps(x);
  return {
    /** The channel core as the AMI layer sees it (src/sim/ami). */
    amiCore: () => amiCore(x, (o) => channels.originate({
      endpoint: o.endpoint, context: o.context, extension: o.extension, priority: o.priority, callerId: o.callerId,
      timeout: o.timeoutSec, channelId: o.channelId, otherChannelId: o.otherChannelId, variables: o.variables,
    }) as { id: string }),
    /** The channel core as the SIP-over-WebSocket layer sees it (src/sim/sip). */
    sipCore: () => sipCore(x),
    clock: x.clock,
    setDialplan(d: Dialplan) {
      x.dialplan = d;
    },
    getDialplan: () => x.dialplan,
    setDefaultContext(ctx: string) {
      x.defaultContext = ctx;
    },
    channelCount: () => x.channels.size,
    /** The configured endpoints (white-box tests mark one dynamic). */
    endpointsMap: () => x.endpoints,
    timings: x.timings,
    /** The channel a REST command is about (timings): its path, its playback's or recording's target, or `channel`. */
    commandChannel(path: Record<string, string>, params: Record<string, unknown>): string | undefined {
      if (path.channelId) return path.channelId;
      const target = path.playbackId ? x.playbacks.get(path.playbackId)?.targetUri : path.recordingName ? x.liveRecordings.get(path.recordingName)?.targetUri : undefined;
      if (target?.startsWith('channel:')) return target.slice(8);
      const ch = params.channel;
      return typeof ch === 'string' ? ch.split(',')[0] : undefined;
    },
    /** REST requests waiting behind a channel's running command (e.g. answer during a playback). */
    blockedRequests: () => x.blocked,

    asteriskInfo(): Snapshot {
      const started = ariTime(x.startupTime);
      return {
        build: { os: 'Linux', kernel: 'centralita-sim', machine: process.arch, options: 'OPTIONAL_API', date: started, user: 'centralita' },
        system: { version: '22.10.1', entity_id: x.asteriskId },
        config: { name: 'centralita-sim', default_language: 'en', setid: { user: '', group: '' } },
        status: { startup_time: started, last_reload_time: started },
      };
    },
    ping: () => ({ ping: 'pong', timestamp: ts(x), asterisk_id: x.asteriskId }),
    setGlobalVar(name: string | undefined, value: string | undefined) {
      if (!name) throw new AriError(400, 'Variable name is required');
      x.globals.set(name, value ?? '');
    },
    globalVar(name: string | undefined) {
      if (!name) throw new AriError(400, 'Variable name is required');
      // Functions such as ASTERISK_VERSION are not global variables: Asterisk answers "".
      return { value: x.globals.get(name) ?? '' };
    },
    /** GET /sounds?lang=&format=: the sounds with a file in that language / format. */
    listSounds: (lang?: string, format?: string) =>
      x.sounds.list().filter((s) => (!lang || s.formats.some((f) => f.language === lang)) && (!format || s.formats.some((f) => f.format === format))),
    getSound(id: string) {
      const s = x.sounds.list().find((y) => y.id === id);
      if (!s) throw new AriError(404, 'Sound not found');
      return s;
    },

    ...appOps(x),
    ...channels,
    ...bridgeOps(x),
    ...playbackOps(x),
    ...recordingOps(x),
    ...endpointOps(x),
    ...worldOps(x),
    ...surfaceOps(x),

    dispose(): void {
      for (const c of x.channels.values()) {
        for (const t of c.timers) x.clock.clearTimer(t);
        if (c.stepTimer) x.clock.clearTimer(c.stepTimer);
        if (c.originate?.timer) x.clock.clearTimer(c.originate.timer);
      }
      for (const p of x.playbacks.values()) if (p.timer) x.clock.clearTimer(p.timer);
    },
  };
}
