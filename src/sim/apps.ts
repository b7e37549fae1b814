// Stasis applications: WebSocket registration (a second socket replaces the first), event
// subscriptions (channel:, bridge:, endpoint:, deviceState:), moving channels between apps
// and user events.
import { AriError, type Ctx, type EventSink, type SimApp, type Snapshot } from './model.ts';
import { appJson, bridgeJson, chanJson, deliver, inStasis, subscribe, ts } from './core.ts';
import { enterStasis, leaveStasis } from './lifecycle.ts';

function ensureApp(x: Ctx, name: string): SimApp {
  let a = x.apps.get(name);
  if (!a) {
    a = { name, sink: undefined, subscribeAll: false, sent: 0, endpoints: new Map(), devices: new Map(), allowed: [], disallowed: [] };
    x.apps.set(name, a);
  }
  return a;
}

export function connect(x: Ctx, names: string[], subscribeAll: boolean, sink: EventSink): () => void {
  const mine: SimApp[] = [];
  for (const n of names) {
    const a = ensureApp(x, n);
    if (a.sink && a.sink !== sink) {
      // A second socket for the same app replaces the first, which hears no more.
      a.sink.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: ts(x), application: n, asterisk_id: x.asteriskId }));
    }
    a.sink = sink;
    a.subscribeAll = subscribeAll;
    mine.push(a);
  }
  return () => {
    for (const a of mine) if (a.sink === sink) a.sink = undefined;
  };
}

function subscription(x: Ctx, appName: string, sources: string[], add: boolean): Snapshot {
  const a = x.apps.get(appName);
  if (!a) throw new AriError(404, 'Application not found');
  const actions: (() => void)[] = [];
  const toggle = (map: Map<string, number>) => () => subscribe(map, appName, add ? 1 : -(map.get(appName) ?? 0));
  for (const src of sources) {
    const colon = src.indexOf(':');
    const scheme = colon < 0 ? src : src.slice(0, colon);
    const id = colon < 0 ? '' : src.slice(colon + 1);
    switch (scheme) {
      case 'channel': {
        const c = x.channels.get(id);
        if (!c) throw new AriError(422, 'Event source does not exist');
        actions.push(toggle(c.subs));
        break;
      }
      case 'bridge': {
        const b = x.bridges.get(id);
        if (!b) throw new AriError(422, 'Event source does not exist');
        actions.push(toggle(b.subs));
        break;
      }
      case 'endpoint':
        if (id !== 'PJSIP' && id !== 'Local' && !x.endpoints.has(id)) throw new AriError(422, 'Event source does not exist');
        actions.push(() => subscribe(a.endpoints, id, add ? 1 : -(a.endpoints.get(id) ?? 0)));
        break;
      case 'deviceState':
        actions.push(() => subscribe(a.devices, id, add ? 1 : -(a.devices.get(id) ?? 0)));
        break;
      default:
        throw new AriError(400, 'Invalid event source URI scheme');
    }
  }
  for (const f of actions) f();
  return appJson(x, a);
}

export function appOps(x: Ctx) {
  return {
    connect: (names: string[], subscribeAll: boolean, sink: EventSink) => connect(x, names, subscribeAll, sink),
    isAppActive: (name: string) => x.apps.get(name)?.sink !== undefined,
    eventsSent: (app?: string) => (app ? (x.apps.get(app)?.sent ?? 0) : x.eventsTotal),
    listApps: () => [...x.apps.values()].map((a) => appJson(x, a)),
    getApp(name: string) {
      const a = x.apps.get(name);
      if (!a) throw new AriError(404, 'Application not found');
      return appJson(x, a);
    },
    subscribe: (app: string, sources: string[]) => subscription(x, app, sources, true),
    unsubscribe: (app: string, sources: string[]) => subscription(x, app, sources, false),
    /** PUT /applications/{app}/eventFilter {allowed?: [{type}], disallowed?: [{type}]}; an empty body clears both. */
    filter(appName: string, body: unknown) {
      const a = x.apps.get(appName);
      if (!a) throw new AriError(404, 'Application not found');
      const o = (body ?? {}) as Record<string, unknown>;
      const list = (v: unknown): { type: string }[] => {
        if (v === undefined) return [];
        if (!Array.isArray(v) || v.some((f) => typeof f !== 'object' || f === null || typeof (f as { type?: unknown }).type !== 'string')) throw new AriError(400, 'Invalid format definition');
        return (v as { type: string }[]).map((f) => ({ type: f.type }));
      };
      const allowed = list(o.allowed);
      const disallowed = list(o.disallowed);
      a.allowed = allowed;
      a.disallowed = disallowed;
      return appJson(x, a);
    },
    /** POST /channels/{id}/move: to another Stasis app (ApplicationMoveFailed if it is not there). */
    move(id: string, app: string | undefined, appArgs: string | undefined) {
      const c = inStasis(x, id);
      if (!app) throw new AriError(400, 'Required parameter app not provided');
      const args = appArgs ? appArgs.split(',') : [];
      if (!x.apps.get(app)?.sink) {
        deliver(x, new Set([c.stasisApp!]), { type: 'ApplicationMoveFailed', timestamp: ts(x), destination: app, args, channel: chanJson(x, c) });
        return;
      }
      leaveStasis(x, c);
      enterStasis(x, c, app, args, c.stasisFromDialplan);
    },
    /** POST /events/user/{eventName}: a user event to one app, optionally about sources. */
    userEvent(eventName: string, application: string | undefined, sources: string[], variables: Record<string, string> | undefined) {
      if (!application) throw new AriError(400, 'Missing parameter application');
      if (!x.apps.has(application)) throw new AriError(404, 'Application not found');
      const ev: Snapshot = { type: 'ChannelUserevent', timestamp: ts(x), eventname: eventName, userevent: variables ?? {} };
      for (const src of sources) {
        const [scheme, ...rest] = src.split(':');
        const sid = rest.join(':');
        if (scheme === 'channel') {
          const c = x.channels.get(sid);
          if (!c) throw new AriError(422, 'Event source not found');
          ev.channel = chanJson(x, c);
        } else if (scheme === 'bridge') {
          const b = x.bridges.get(sid);
          if (!b) throw new AriError(422, 'Event source not found');
          ev.bridge = bridgeJson(x, b);
        } else if (scheme !== 'endpoint' && scheme !== 'deviceState') throw new AriError(400, 'Invalid event source URI scheme');
      }
      deliver(x, new Set([application]), ev);
    },
  };
}
