// The rest of the ARI surface: batch channel variables, mailboxes (res_mwi_external),
// external media channels, and the operations the app does not use, answered as a plain
// Asterisk 22 does (the recorder's `unmodelled-operations` trace): dynamic configuration,
// modules, log channels, call claims, transfer progress, RTP statistics, text messages, REFER.
import { AriError, type Ctx } from './model.ts';
import { chanJson, dialEvent, getChan, hex8, inStasis, newChan, setVar, subscribe } from './core.ts';
import { enqueueSync } from './control-queue.ts';
import { answeredOutbound, indicateRinging } from './lifecycle.ts';

const RUNNING_MODULES = ['res_ari.so', 'res_stasis.so', 'chan_pjsip.so', 'res_pjsip.so', 'app_dial.so', 'res_musiconhold.so', 'chan_rtp.so'];
const TRANSFER_STATES = ['channel_progress', 'channel_answered', 'channel_unavailable', 'channel_declined'];

function needMailboxes(x: Ctx): Map<string, { old: number; new: number }> {
  // Without res_mwi_external the resource is not there at all, as on the lab.
  if (!x.mailboxes) throw new AriError(404, 'Resource not found');
  return x.mailboxes;
}

function hostPort(v: string): boolean {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(v);
  return !!m && Number(m[2]) > 0 && Number(m[2]) < 65536;
}

export function surfaceOps(x: Ctx) {
  let rtpPort = 10_000;
  return {
    getChannelVars(id: string, names: string[]) {
      if (names.length === 0) throw new AriError(400, 'At least one variable name is required');
      const c = x.channels.get(id);
      if (!c?.alive) throw new AriError(404, 'Provided channel was not found');
      const out: Record<string, string> = {};
      for (const raw of names) {
        const n = raw.trim();
        if (!n) throw new AriError(400, 'Variable names are required');
        if (n === 'CALLERID(num)') out[n] = c.caller.number;
        else if (n === 'CALLERID(name)') out[n] = c.caller.name;
        else if (n === 'CHANNEL(state)') out[n] = c.state;
        else if (n === 'CHANNEL(name)') out[n] = c.name;
        else {
          const v = c.vars.get(n);
          if (v === undefined) throw new AriError(404, 'Provided variable was not found');
          out[n] = v;
        }
      }
      return { variables: out };
    },
    setChannelVars(id: string, body: unknown) {
      if (body === undefined) throw new AriError(400, "The 'variables' field is required");
      const c = x.channels.get(id);
      if (!c?.alive) throw new AriError(404, 'Provided channel was not found');
      if (!c.stasisApp) throw new AriError(409, 'Channel not in Stasis application');
      const vars = (body as { variables?: unknown }).variables;
      if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new AriError(400, "The 'variables' field must be a JSON object");
      for (const [k, v] of Object.entries(vars as Record<string, unknown>)) setVar(x, c, k.trim(), String(v));
    },

    listMailboxes: () => [...needMailboxes(x)].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, m]) => ({ name, old_messages: m.old, new_messages: m.new })),
    getMailbox(name: string) {
      const m = needMailboxes(x).get(name);
      // Asterisk's own wording.
      if (!m) throw new AriError(404, 'Mailbox is does not exist');
      return { name, old_messages: m.old, new_messages: m.new };
    },
    updateMailbox(name: string, oldMessages: number | undefined, newMessages: number | undefined) {
      const boxes = needMailboxes(x);
      if (oldMessages === undefined || newMessages === undefined) throw new AriError(400, 'oldMessages and newMessages are required');
      boxes.set(name, { old: oldMessages, new: newMessages });
    },
    deleteMailbox(name: string) {
      if (!needMailboxes(x).delete(name)) throw new AriError(404, 'Mailbox does not exist');
    },

    /**
     * POST /channels/externalMedia: a UnicastRTP (or AudioSocket) channel answered into the app.
     * The simulator sends no media to `external_host`; the channel's variables say where it would.
     */
    externalMedia(p: { channelId?: string; app?: string; external_host?: string; encapsulation?: string; transport?: string; connection_type?: string; format?: string; direction?: string; data?: string; variables?: Record<string, string> }) {
      if (!p.app) throw new AriError(400, 'app cannot be empty');
      const transport = p.transport || 'udp';
      const encapsulation = p.encapsulation || 'rtp';
      const connection = p.connection_type || 'client';
      if (transport === 'websocket' && encapsulation !== 'none') throw new AriError(400, "encapsulation must be 'none' for websocket transport");
      if (encapsulation === 'rtp' && transport !== 'udp') throw new AriError(400, "transport must be 'udp' for rtp encapsulation");
      if (encapsulation === 'audiosocket' && transport !== 'tcp') throw new AriError(400, "transport must be 'tcp' for audiosocket encapsulation");
      if (transport !== 'websocket' && connection === 'server') throw new AriError(400, "'server' connection_type can only be used with the websocket transport");
      if (!p.external_host && connection === 'client') throw new AriError(400, 'external_host is required for all but websocket server connections');
      // No websocket_client connections are configured in the simulated PBX.
      if (transport === 'websocket' && connection === 'client') throw new AriError(400, 'external_host must be a valid websocket_client connection id.');
      if (transport !== 'websocket' && !hostPort(p.external_host ?? '')) throw new AriError(400, 'external_host must be <host>:<port> for all transports other than websocket');
      if (!p.format) throw new AriError(400, 'format cannot be empty');
      if (p.direction && !['both', 'in', 'out'].includes(p.direction)) throw new AriError(400, 'Invalid direction specified');
      if (encapsulation === 'audiosocket' && !p.data) throw new AriError(400, 'data can not be empty');
      if (transport === 'websocket') throw new AriError(501, 'The encapsulation and/or transport is not supported');
      if (p.channelId && x.channels.has(p.channelId)) throw new AriError(409, 'Channel with given unique ID already exists');
      if (!x.apps.get(p.app)?.sink) throw new AriError(400, `Stasis app '${p.app}' is not registered`);
      const tech = encapsulation === 'rtp' ? 'UnicastRTP' : 'AudioSocket';
      const name = tech === 'UnicastRTP' ? `UnicastRTP/${p.external_host}-0x${hex8(x.seq.chan++)}` : `AudioSocket/${p.external_host}-${p.data}`;
      const c = newChan(x, { id: p.channelId, name, tech, resource: p.external_host!, state: 'Down', context: 'default', exten: 's', appName: 'AppDial2', appData: '(Outgoing Line)' });
      for (const [k, v] of Object.entries(p.variables ?? {})) c.vars.set(k, v);
      c.vars.set('STASISSTATUS', '');
      if (tech === 'UnicastRTP') {
        c.vars.set('UNICASTRTP_LOCAL_PORT', String(rtpPort));
        c.vars.set('UNICASTRTP_LOCAL_ADDRESS', '127.0.0.1');
        rtpPort += 2;
      }
      subscribe(c.subs, p.app, 1);
      c.originate = { app: p.app, appArgs: [] };
      const snap = chanJson(x, c);
      // The response lists every variable of the channel, whatever ari.conf's channelvars say.
      snap.channelvars = Object.fromEntries(c.vars);
      c.vars.delete('STASISSTATUS');
      // An RTP "call" is answered at once.
      const dialstring = `${p.external_host}/c(${p.format})`;
      dialEvent(x, c, '', dialstring);
      x.clock.setTimer(0, () => {
        if (c.alive) answeredOutbound(x, c, dialstring);
      });
      return snap;
    },

    progress(id: string) {
      const c = inStasis(x, id);
      return enqueueSync(x, c, () => indicateRinging(x, c));
    },
    transferProgress(id: string, states: string | undefined) {
      inStasis(x, id);
      if (!states) throw new AriError(400, 'states must not be empty');
      if (!TRANSFER_STATES.includes(states)) throw new AriError(400, 'Invalid states value');
    },
    rtpStatistics(id: string) {
      const c = getChan(x, id);
      if (c.tech !== 'PJSIP' && c.tech !== 'UnicastRTP') throw new AriError(403, 'Unsupported channel type');
      const zero = { txcount: 0, rxcount: 0, txploss: 0, rxploss: 0, local_ssrc: 0, remote_ssrc: 0, txoctetcount: 0, rxoctetcount: 0 };
      return { ...zero, channel_uniqueid: c.id };
    },
    claim(channelId: string | undefined, application: string | undefined) {
      if (!channelId) throw new AriError(400, 'channelId parameter is required');
      if (!application) throw new AriError(400, 'application parameter is required');
      // No channel is ever being broadcast (CallBroadcast) in the simulated PBX.
      throw new AriError(404, 'Channel not found or not in broadcast state');
    },
    sendMessage(to: string | undefined, from: string | undefined) {
      if (!to) throw new AriError(400, 'To must be specified');
      void from;
      const m = /^(\w+):([^@]+)/.exec(to);
      if (!m || !x.endpoints.has(`${m[1]!.toUpperCase() === 'PJSIP' ? 'PJSIP' : m[1]}/${m[2]}`)) throw new AriError(404, 'Endpoint not found');
      return { status: 202 };
    },
    sendMessageToEndpoint(tech: string, resource: string) {
      if (!x.endpoints.has(`${tech}/${resource}`)) throw new AriError(404, 'Endpoint not found');
      return { status: 202 };
    },
    refer(to: string | undefined) {
      if (!to) throw new AriError(400, 'To must be specified');
      const m = /^(\w+):([^@]+)/.exec(to);
      if (!m || !x.endpoints.has(`PJSIP/${m[2]}`)) throw new AriError(404, 'Endpoint not found');
      return { status: 202 };
    },
    referToEndpoint(tech: string, resource: string) {
      if (!x.endpoints.has(`${tech}/${resource}`)) throw new AriError(404, 'Endpoint not found');
      return { status: 202 };
    },

    // asterisk resource: the simulated PBX has no sorcery-backed configuration to edit.
    /** Dynamic configuration: res_pjsip endpoints can be read; pjsip.conf is not writable (403). */
    configObject(method: string, configClass: string, objectType: string, id: string, fields?: unknown) {
      if (configClass !== 'res_pjsip') throw new AriError(404, `configClass '${configClass}' not found`);
      if (!['endpoint', 'aor', 'auth', 'transport', 'contact', 'identify'].includes(objectType)) throw new AriError(404, `objectType '${objectType}' not found`);
      if (objectType === 'auth' && x.writableSorcery.has('auth')) return authObject(x, method, id, fields);
      const e = x.endpoints.get(`PJSIP/${id}`);
      if (method === 'PUT') throw new AriError(403, `Cannot ${e ? 'update' : 'create'} sorcery objects of type '${objectType}'`);
      if (!e || (objectType !== 'endpoint' && objectType !== 'aor')) throw new AriError(404, `Object with id '${id}' not found`);
      if (method === 'DELETE') throw new AriError(403, `Could not delete object with id '${id}'`);
      // Sorcery's strings as the lab's Asterisk 22 shows them: webrtc yes/no, media_encryption no/sdes/dtls.
      return objectType === 'endpoint'
        ? [{ attribute: 'context', value: e.context ?? 'default' }, { attribute: 'aors', value: e.resource }, { attribute: 'webrtc', value: e.webrtc ? 'yes' : 'no' }, { attribute: 'media_encryption', value: e.webrtc ? 'dtls' : 'no' }]
        : [{ attribute: 'max_contacts', value: e.dynamic ? '1' : '0' }];
    },
    listModules: () => RUNNING_MODULES.map((name) => ({ name, description: name, use_count: 0, status: 'Running', support_level: 'core' })),
    getModule(name: string) {
      if (!RUNNING_MODULES.includes(name)) throw new AriError(404, 'Module could not be found in running modules');
      return { name, description: name === 'res_ari.so' ? 'Asterisk RESTful Interface' : name, use_count: 1, status: 'Running', support_level: 'core' };
    },
    loadModule(name: string) {
      if (RUNNING_MODULES.includes(name)) throw new AriError(409, 'Module is already loaded');
      throw new AriError(409, 'Module could not be loaded properly');
    },
    unloadModule(name: string) {
      if (!RUNNING_MODULES.includes(name)) throw new AriError(404, 'Module not found in running modules');
      throw new AriError(409, 'Module could not be unloaded');
    },
    reloadModule(name: string) {
      if (!RUNNING_MODULES.includes(name)) throw new AriError(404, 'Module not found in running modules');
    },
    listLogChannels: () => x.logChannels.map((c) => ({ ...c })),
    addLog(name: string, configuration: string | undefined) {
      if (!configuration) throw new AriError(400, 'Configuration levels are required');
      const full = name.startsWith('/') ? name : `${x.logDir}/${name}`;
      if (x.logChannels.some((c) => c.channel === full)) throw new AriError(409, 'Log channel already exists');
      x.logChannels.push({ channel: full, type: 'File', status: 'Enabled', configuration: `${configuration.toUpperCase()} ` });
    },
    /** Asterisk looks the name up as given, so a channel added by a relative name cannot be deleted (traced). */
    deleteLog(name: string) {
      const i = x.logChannels.findIndex((c) => c.channel === name);
      if (i < 0) throw new AriError(404, 'Log channel does not exist');
      x.logChannels.splice(i, 1);
    },
    rotateLog(name: string) {
      const full = name.startsWith('/') ? name : `${x.logDir}/${name}`;
      if (!x.logChannels.some((c) => c.channel === full)) throw new AriError(404, 'Log channel does not exist');
    },
  };
}


/**
 * An auth object on a writable sorcery wizard (sorcery.conf `auth=astdb,...`): ARI creates,
 * replaces, reads and deletes it; the SIP layer's registrar checks REGISTERs against it.
 */
function authObject(x: Ctx, method: string, id: string, fields: unknown) {
  const tuples = (a: { username: string; password: string }) => [
    { attribute: 'auth_type', value: 'userpass' }, { attribute: 'username', value: a.username }, { attribute: 'password', value: a.password },
  ];
  if (method === 'PUT') {
    const list = (fields as { fields?: unknown } | undefined)?.fields ?? fields;
    if (!Array.isArray(list)) throw new AriError(400, 'Fields must be provided');
    const get = (k: string) => (list as { attribute?: unknown; value?: unknown }[]).find((f) => f.attribute === k)?.value;
    const old = x.sipAuths.get(id);
    const username = get('username') ?? old?.username;
    const password = get('password') ?? old?.password;
    if (typeof username !== 'string' || typeof password !== 'string') throw new AriError(400, 'username and password are required');
    const a = { username, password };
    x.sipAuths.set(id, a);
    return tuples(a);
  }
  const a = x.sipAuths.get(id);
  if (!a) throw new AriError(404, `Object with id '${id}' not found`);
  if (method === 'DELETE') { x.sipAuths.delete(id); return undefined; }
  return tuples(a);
}
