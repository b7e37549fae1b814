// The simulator's own Swagger 1.2 declarations, generated from a compact description of the
// operations it implements. `ari-client` builds its API from these at connect, so every
// operation and every event model it may meet must be declared (an undeclared event type
// crashes its message handler).

/** Parameter spec: `name:in:type` with in = q (query), p (path), b (body); `!` = required, `*` = allowMultiple. */
type Op = [method: string, nickname: string, responseClass: string, params: string];
type Api = [path: string, ops: Op[]];

const CHANNEL_ID = 'channelId:p:string!';
const BRIDGE_ID = 'bridgeId:p:string!';
const ORIGINATE = 'endpoint:q:string!,extension:q:string,context:q:string,priority:q:long,label:q:string,app:q:string,appArgs:q:string,callerId:q:string,timeout:q:int,variables:b:containers,otherChannelId:q:string,originator:q:string,formats:q:string';
const PLAY = 'media:q:string!*,lang:q:string,offsetms:q:int,skipms:q:int';
const RECORD = 'name:q:string!,format:q:string!,maxDurationSeconds:q:int,maxSilenceSeconds:q:int,ifExists:q:string,beep:q:boolean,terminateOn:q:string';

const RESOURCES: Record<string, { description: string; apis: Api[] }> = {
  asterisk: {
    description: 'Asterisk resources',
    apis: [
      ['/asterisk/info', [['GET', 'getInfo', 'AsteriskInfo', 'only:q:string*']]],
      ['/asterisk/ping', [['GET', 'ping', 'AsteriskPing', '']]],
      ['/asterisk/modules', [['GET', 'listModules', 'List[Module]', '']]],
      ['/asterisk/modules/{moduleName}', [['GET', 'getModule', 'Module', 'moduleName:p:string!']]],
      ['/asterisk/variable', [
        ['GET', 'getGlobalVar', 'Variable', 'variable:q:string!'],
        ['POST', 'setGlobalVar', 'void', 'variable:q:string!,value:q:string'],
      ]],
    ],
  },
  endpoints: {
    description: 'Endpoint resources',
    apis: [
      ['/endpoints', [['GET', 'list', 'List[Endpoint]', '']]],
      ['/endpoints/{tech}', [['GET', 'listByTech', 'List[Endpoint]', 'tech:p:string!']]],
      ['/endpoints/{tech}/{resource}', [['GET', 'get', 'Endpoint', 'tech:p:string!,resource:p:string!']]],
    ],
  },
  channels: {
    description: 'Channel resources',
    apis: [
      ['/channels', [['GET', 'list', 'List[Channel]', ''], ['POST', 'originate', 'Channel', `${ORIGINATE},channelId:q:string`]]],
      ['/channels/create', [['POST', 'create', 'Channel', 'endpoint:q:string!,app:q:string!,appArgs:q:string,channelId:q:string,otherChannelId:q:string,originator:q:string,formats:q:string,variables:b:containers']]],
      ['/channels/{channelId}', [
        ['GET', 'get', 'Channel', CHANNEL_ID],
        ['POST', 'originateWithId', 'Channel', `${CHANNEL_ID},${ORIGINATE}`],
        ['DELETE', 'hangup', 'void', `${CHANNEL_ID},reason_code:q:string,reason:q:string`],
      ]],
      ['/channels/{channelId}/continue', [['POST', 'continueInDialplan', 'void', `${CHANNEL_ID},context:q:string,extension:q:string,priority:q:int,label:q:string`]]],
      ['/channels/{channelId}/move', [['POST', 'move', 'void', `${CHANNEL_ID},app:q:string!,appArgs:q:string`]]],
      ['/channels/{channelId}/redirect', [['POST', 'redirect', 'void', `${CHANNEL_ID},endpoint:q:string!`]]],
      ['/channels/{channelId}/answer', [['POST', 'answer', 'void', CHANNEL_ID]]],
      ['/channels/{channelId}/ring', [['POST', 'ring', 'void', CHANNEL_ID], ['DELETE', 'ringStop', 'void', CHANNEL_ID]]],
      ['/channels/{channelId}/dtmf', [['POST', 'sendDTMF', 'void', `${CHANNEL_ID},dtmf:q:string,before:q:int,between:q:int,duration:q:int,after:q:int`]]],
      ['/channels/{channelId}/mute', [['POST', 'mute', 'void', `${CHANNEL_ID},direction:q:string`], ['DELETE', 'unmute', 'void', `${CHANNEL_ID},direction:q:string`]]],
      ['/channels/{channelId}/hold', [['POST', 'hold', 'void', CHANNEL_ID], ['DELETE', 'unhold', 'void', CHANNEL_ID]]],
      ['/channels/{channelId}/moh', [['POST', 'startMoh', 'void', `${CHANNEL_ID},mohClass:q:string`], ['DELETE', 'stopMoh', 'void', CHANNEL_ID]]],
      ['/channels/{channelId}/silence', [['POST', 'startSilence', 'void', CHANNEL_ID], ['DELETE', 'stopSilence', 'void', CHANNEL_ID]]],
      ['/channels/{channelId}/play', [['POST', 'play', 'Playback', `${CHANNEL_ID},${PLAY},playbackId:q:string`]]],
      ['/channels/{channelId}/play/{playbackId}', [['POST', 'playWithId', 'Playback', `${CHANNEL_ID},playbackId:p:string!,${PLAY}`]]],
      ['/channels/{channelId}/record', [['POST', 'record', 'LiveRecording', `${CHANNEL_ID},${RECORD}`]]],
      ['/channels/{channelId}/variable', [
        ['GET', 'getChannelVar', 'Variable', `${CHANNEL_ID},variable:q:string!`],
        ['POST', 'setChannelVar', 'void', `${CHANNEL_ID},variable:q:string!,value:q:string`],
      ]],
      ['/channels/{channelId}/snoop', [['POST', 'snoopChannel', 'Channel', `${CHANNEL_ID},spy:q:string,whisper:q:string,app:q:string!,appArgs:q:string,snoopId:q:string`]]],
      ['/channels/{channelId}/snoop/{snoopId}', [['POST', 'snoopChannelWithId', 'Channel', `${CHANNEL_ID},snoopId:p:string!,spy:q:string,whisper:q:string,app:q:string!,appArgs:q:string`]]],
      ['/channels/{channelId}/dial', [['POST', 'dial', 'void', `${CHANNEL_ID},caller:q:string,timeout:q:int`]]],
    ],
  },
  bridges: {
    description: 'Bridge resources',
    apis: [
      ['/bridges', [['GET', 'list', 'List[Bridge]', ''], ['POST', 'create', 'Bridge', 'type:q:string,bridgeId:q:string,name:q:string']]],
      ['/bridges/{bridgeId}', [
        ['POST', 'createWithId', 'Bridge', `type:q:string,${BRIDGE_ID},name:q:string`],
        ['GET', 'get', 'Bridge', BRIDGE_ID],
        ['DELETE', 'destroy', 'void', BRIDGE_ID],
      ]],
      ['/bridges/{bridgeId}/addChannel', [['POST', 'addChannel', 'void', `${BRIDGE_ID},channel:q:string!*,role:q:string,absorbDTMF:q:boolean,mute:q:boolean,inhibitConnectedLineUpdates:q:boolean`]]],
      ['/bridges/{bridgeId}/removeChannel', [['POST', 'removeChannel', 'void', `${BRIDGE_ID},channel:q:string!*`]]],
      ['/bridges/{bridgeId}/moh', [['POST', 'startMoh', 'void', `${BRIDGE_ID},mohClass:q:string`], ['DELETE', 'stopMoh', 'void', BRIDGE_ID]]],
      ['/bridges/{bridgeId}/play', [['POST', 'play', 'Playback', `${BRIDGE_ID},${PLAY},playbackId:q:string`]]],
      ['/bridges/{bridgeId}/play/{playbackId}', [['POST', 'playWithId', 'Playback', `${BRIDGE_ID},playbackId:p:string!,${PLAY}`]]],
      ['/bridges/{bridgeId}/record', [['POST', 'record', 'LiveRecording', `${BRIDGE_ID},${RECORD}`]]],
    ],
  },
  recordings: {
    description: 'Recording resources',
    apis: [
      ['/recordings/stored', [['GET', 'listStored', 'List[StoredRecording]', '']]],
      ['/recordings/stored/{recordingName}', [['GET', 'getStored', 'StoredRecording', 'recordingName:p:string!'], ['DELETE', 'deleteStored', 'void', 'recordingName:p:string!']]],
      ['/recordings/stored/{recordingName}/file', [['GET', 'getStoredFile', 'binary', 'recordingName:p:string!']]],
      ['/recordings/stored/{recordingName}/copy', [['POST', 'copyStored', 'StoredRecording', 'recordingName:p:string!,destinationRecordingName:q:string!']]],
      ['/recordings/live/{recordingName}', [['GET', 'getLive', 'LiveRecording', 'recordingName:p:string!'], ['DELETE', 'cancel', 'void', 'recordingName:p:string!']]],
      ['/recordings/live/{recordingName}/stop', [['POST', 'stop', 'void', 'recordingName:p:string!']]],
      ['/recordings/live/{recordingName}/pause', [['POST', 'pause', 'void', 'recordingName:p:string!'], ['DELETE', 'unpause', 'void', 'recordingName:p:string!']]],
      ['/recordings/live/{recordingName}/mute', [['POST', 'mute', 'void', 'recordingName:p:string!'], ['DELETE', 'unmute', 'void', 'recordingName:p:string!']]],
    ],
  },
  sounds: {
    description: 'Sound resources',
    apis: [
      ['/sounds', [['GET', 'list', 'List[Sound]', 'lang:q:string,format:q:string']]],
      ['/sounds/{soundId}', [['GET', 'get', 'Sound', 'soundId:p:string!']]],
    ],
  },
  playbacks: {
    description: 'Playback control resources',
    apis: [
      ['/playbacks/{playbackId}', [['GET', 'get', 'Playback', 'playbackId:p:string!'], ['DELETE', 'stop', 'void', 'playbackId:p:string!']]],
      ['/playbacks/{playbackId}/control', [['POST', 'control', 'void', 'playbackId:p:string!,operation:q:string!']]],
    ],
  },
  deviceStates: {
    description: 'Device state resources',
    apis: [
      ['/deviceStates', [['GET', 'list', 'List[DeviceState]', '']]],
      ['/deviceStates/{deviceName}', [
        ['GET', 'get', 'DeviceState', 'deviceName:p:string!'],
        ['PUT', 'update', 'void', 'deviceName:p:string!,deviceState:q:string!'],
        ['DELETE', 'delete', 'void', 'deviceName:p:string!'],
      ]],
    ],
  },
  events: {
    description: 'WebSocket resource',
    apis: [
      ['/events', [['GET', 'eventWebsocket', 'Message', 'app:q:string!*,subscribeAll:q:boolean']]],
      ['/events/user/{eventName}', [['POST', 'userEvent', 'void', 'eventName:p:string!,application:q:string!,source:q:string*,variables:b:containers']]],
    ],
  },
  applications: {
    description: 'Stasis application resources',
    apis: [
      ['/applications', [['GET', 'list', 'List[Application]', '']]],
      ['/applications/{applicationName}', [['GET', 'get', 'Application', 'applicationName:p:string!']]],
      ['/applications/{applicationName}/subscription', [
        ['POST', 'subscribe', 'Application', 'applicationName:p:string!,eventSource:q:string!*'],
        ['DELETE', 'unsubscribe', 'Application', 'applicationName:p:string!,eventSource:q:string!*'],
      ]],
    ],
  },
};

/** Model properties: `name:type` with `!` for required. */
const MODELS: Record<string, { resource: string; props: string }> = {
  AsteriskInfo: { resource: 'asterisk', props: 'build:BuildInfo,system:SystemInfo,config:ConfigInfo,status:StatusInfo' },
  AsteriskPing: { resource: 'asterisk', props: 'asterisk_id:string!,ping:string!,timestamp:string!' },
  BuildInfo: { resource: 'asterisk', props: 'os:string!,kernel:string!,options:string!,machine:string!,date:string!,user:string!' },
  SystemInfo: { resource: 'asterisk', props: 'version:string!,entity_id:string!' },
  ConfigInfo: { resource: 'asterisk', props: 'name:string!,default_language:string!,max_channels:int,max_open_files:int,max_load:double,setid:SetId!' },
  SetId: { resource: 'asterisk', props: 'user:string!,group:string!' },
  StatusInfo: { resource: 'asterisk', props: 'startup_time:Date!,last_reload_time:Date!' },
  Module: { resource: 'asterisk', props: 'name:string!,description:string!,use_count:int!,status:string!,support_level:string!' },
  Variable: { resource: 'asterisk', props: 'value:string!' },
  Endpoint: { resource: 'endpoints', props: 'technology:string!,resource:string!,state:string,channel_ids:List[string]!' },
  CallerID: { resource: 'channels', props: 'name:string!,number:string!' },
  DialplanCEP: { resource: 'channels', props: 'context:string!,exten:string!,priority:long!,app_name:string!,app_data:string!' },
  Channel: {
    resource: 'channels',
    props: 'id:string!,protocol_id:string!,name:string!,state:string!,caller:CallerID!,connected:CallerID!,accountcode:string!,dialplan:DialplanCEP!,creationtime:Date!,language:string!,channelvars:object',
  },
  Bridge: {
    resource: 'bridges',
    props: 'id:string!,technology:string!,bridge_type:string!,bridge_class:string!,creator:string!,name:string!,channels:List[string]!,video_mode:string,video_source_id:string,creationtime:Date!',
  },
  StoredRecording: { resource: 'recordings', props: 'name:string!,format:string!' },
  LiveRecording: {
    resource: 'recordings',
    props: 'name:string!,format:string!,target_uri:string!,state:string!,duration:int,talking_duration:int,silence_duration:int,cause:string',
  },
  FormatLangPair: { resource: 'sounds', props: 'language:string!,format:string!' },
  Sound: { resource: 'sounds', props: 'id:string!,text:string,formats:List[FormatLangPair]!' },
  Playback: { resource: 'playbacks', props: 'id:string!,media_uri:string!,next_media_uri:string,target_uri:string!,language:string,state:string!' },
  DeviceState: { resource: 'deviceStates', props: 'name:string!,state:string!' },
  Application: {
    resource: 'applications',
    props: 'name:string!,channel_ids:List[string]!,bridge_ids:List[string]!,endpoint_ids:List[string]!,device_names:List[string]!,events_allowed:List[object]!,events_disallowed:List[object]!',
  },
};

/** Every event the simulator can send, with its typed properties (ari-client promotes Channel, Bridge...). */
const EVENTS: Record<string, string> = {
  DeviceStateChanged: 'device_state:DeviceState!',
  PlaybackStarted: 'playback:Playback!',
  PlaybackContinuing: 'playback:Playback!',
  PlaybackFinished: 'playback:Playback!',
  RecordingStarted: 'recording:LiveRecording!',
  RecordingFinished: 'recording:LiveRecording!',
  RecordingFailed: 'recording:LiveRecording!',
  ApplicationReplaced: '',
  ApplicationMoveFailed: 'channel:Channel!,destination:string!,args:List[string]!',
  ApplicationRegistered: '',
  ApplicationUnregistered: '',
  BridgeCreated: 'bridge:Bridge!',
  BridgeDestroyed: 'bridge:Bridge!',
  BridgeMerged: 'bridge:Bridge!,bridge_from:Bridge!',
  ChannelCreated: 'channel:Channel!',
  ChannelDestroyed: 'cause:int!,cause_txt:string!,channel:Channel!',
  ChannelEnteredBridge: 'bridge:Bridge!,channel:Channel',
  ChannelLeftBridge: 'bridge:Bridge!,channel:Channel!',
  ChannelStateChange: 'channel:Channel!',
  ChannelDtmfReceived: 'digit:string!,duration_ms:int!,channel:Channel!',
  ChannelDialplan: 'channel:Channel!,dialplan_app:string!,dialplan_app_data:string!',
  ChannelCallerId: 'caller_presentation:int!,caller_presentation_txt:string!,channel:Channel!',
  ChannelUserevent: 'eventname:string!,channel:Channel,bridge:Bridge,endpoint:Endpoint,userevent:object!',
  ChannelHangupRequest: 'cause:int,soft:boolean,tech_cause:int,channel:Channel!',
  ChannelVarset: 'variable:string!,value:string!,channel:Channel',
  ChannelHold: 'channel:Channel!,musicclass:string',
  ChannelUnhold: 'channel:Channel!',
  ChannelTalkingStarted: 'channel:Channel!',
  ChannelTalkingFinished: 'channel:Channel!,duration:int!',
  ChannelConnectedLine: 'channel:Channel!',
  EndpointStateChange: 'endpoint:Endpoint!',
  Dial: 'caller:Channel,peer:Channel!,forwarded:Channel,forward:string,dialstring:string,dialstatus:string!',
  StasisEnd: 'channel:Channel!',
  StasisStart: 'args:List[string]!,channel:Channel!,replace_channel:Channel',
};

function params(spec: string): Record<string, unknown>[] {
  if (!spec) return [];
  return spec.split(',').map((p) => {
    const [name, where, typeRaw] = p.split(':') as [string, string, string];
    const required = typeRaw.includes('!');
    const multiple = typeRaw.includes('*');
    const dataType = typeRaw.replace(/[!*]/g, '');
    return { name, paramType: where === 'p' ? 'path' : where === 'b' ? 'body' : 'query', required, allowMultiple: multiple, dataType };
  });
}

function props(spec: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (!spec) return out;
  for (const p of spec.split(',')) {
    const i = p.indexOf(':');
    const name = p.slice(0, i);
    const t = p.slice(i + 1);
    out[name] = { type: t.replace('!', ''), required: t.endsWith('!') };
  }
  return out;
}

export const RESOURCE_NAMES = Object.keys(RESOURCES);

export function resourceListing(basePath: string): Record<string, unknown> {
  return {
    apiVersion: '2.0.0',
    swaggerVersion: '1.1',
    basePath,
    apis: RESOURCE_NAMES.map((r) => ({ path: `/api-docs/${r}.{format}`, description: RESOURCES[r]!.description })),
  };
}

export function apiDeclaration(resource: string, basePath: string): Record<string, unknown> | undefined {
  const r = RESOURCES[resource];
  if (!r) return undefined;
  const models: Record<string, unknown> = {};
  for (const [id, m] of Object.entries(MODELS)) if (m.resource === resource) models[id] = { id, properties: props(m.props) };
  if (resource === 'events') {
    models.Message = { id: 'Message', discriminator: 'type', properties: props('type:string!,asterisk_id:string'), subTypes: ['Event'] };
    models.Event = { id: 'Event', properties: props('application:string!,timestamp:Date!'), subTypes: Object.keys(EVENTS) };
    for (const [id, spec] of Object.entries(EVENTS)) models[id] = { id, properties: props(spec) };
  }
  return {
    apiVersion: '2.0.0',
    swaggerVersion: '1.2',
    basePath,
    resourcePath: `/api-docs/${resource}.{format}`,
    apis: r.apis.map(([path, ops]) => ({
      path,
      operations: ops.map(([httpMethod, nickname, responseClass, spec]) => ({ httpMethod, nickname, responseClass, parameters: params(spec) })),
    })),
    models,
  };
}

/** Declared parameters of an operation, for validation in the REST layer. */
export function operationParams(resource: string, path: string, method: string): { name: string; paramType: string; required: boolean; allowMultiple: boolean; dataType: string }[] | undefined {
  const r = RESOURCES[resource];
  const api = r?.apis.find((a) => a[0] === path);
  const op = api?.[1].find((o) => o[0] === method);
  return op ? (params(op[3]) as never) : undefined;
}
