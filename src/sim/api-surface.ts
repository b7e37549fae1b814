// The ARI surface of Asterisk 22.10.1 as the simulator declares it: every operation with its
// parameters and the error statuses it documents (checked against what the real server
// serves: test/unit/sim/api-surface.test.ts). The simulator serves every one of them; those it
// does not model answer as Asterisk does when the feature is unavailable (routes-ari.ts).
//
// Operation: [method, path, nickname, responseClass, params, error statuses, upgrade?].
// Param: `name:in:type` (in = q query, p path, b body), `!` required, `*` allowMultiple,
// `{a|b}` allowable values (`{>=0}` a range), `=x` default value.

export type OpSpec = [method: string, path: string, nickname: string, responseClass: string, params: string, errors: string, upgrade?: string];

const CH = 'channelId:p:string!';
const BR = 'bridgeId:p:string!';
const REC = 'recordingName:p:string!';
const ORIGINATE = 'endpoint:q:string!,extension:q:string,context:q:string,priority:q:long,label:q:string,app:q:string,appArgs:q:string,callerId:q:string,timeout:q:int=30,variables:b:containers';
const PLAY = 'media:q:string!*,lang:q:string,offsetms:q:int,skipms:q:int=3000';
const PLAY_BRIDGE = 'media:q:string!*,announcer_format:q:string,lang:q:string,offsetms:q:int{>=0}=0,skipms:q:int{>=0}=3000';
const RECORD = 'name:q:string!,format:q:string!,maxDurationSeconds:q:int{>=0}=0,maxSilenceSeconds:q:int{>=0}=0,ifExists:q:string{fail|overwrite|append}=fail,beep:q:boolean=false,terminateOn:q:string{none|any|*|#}=none';
const RECORD_BRIDGE = RECORD.replace('format:q:string!,', 'format:q:string!,recorder_format:q:string,');
const SNOOP = 'spy:q:string{none|both|out|in}=none,whisper:q:string{none|both|out|in}=none,app:q:string!,appArgs:q:string';

export const RESOURCE_DESCRIPTIONS: Record<string, string> = {
  asterisk: 'Asterisk resources',
  endpoints: 'Endpoint resources',
  channels: 'Channel resources',
  bridges: 'Bridge resources',
  recordings: 'Recording resources',
  sounds: 'Sound resources',
  playbacks: 'Playback control resources',
  deviceStates: 'Device state resources',
  mailboxes: 'Mailboxes resources',
  events: 'WebSocket resource',
  applications: 'Stasis application resources',
};

export const OPERATIONS: Record<string, OpSpec[]> = {
  asterisk: [
    ['GET', '/asterisk/config/dynamic/{configClass}/{objectType}/{id}', 'getObject', 'List[ConfigTuple]', 'configClass:p:string!,objectType:p:string!,id:p:string!', '404'],
    ['PUT', '/asterisk/config/dynamic/{configClass}/{objectType}/{id}', 'updateObject', 'List[ConfigTuple]', 'configClass:p:string!,objectType:p:string!,id:p:string!,fields:b:containers', '400,403,404'],
    ['DELETE', '/asterisk/config/dynamic/{configClass}/{objectType}/{id}', 'deleteObject', 'void', 'configClass:p:string!,objectType:p:string!,id:p:string!', '403,404'],
    ['GET', '/asterisk/info', 'getInfo', 'AsteriskInfo', 'only:q:string*{build|system|config|status}', ''],
    ['GET', '/asterisk/ping', 'ping', 'AsteriskPing', '', ''],
    ['GET', '/asterisk/modules', 'listModules', 'List[Module]', '', ''],
    ['GET', '/asterisk/modules/{moduleName}', 'getModule', 'Module', 'moduleName:p:string!', '404,409'],
    ['POST', '/asterisk/modules/{moduleName}', 'loadModule', 'void', 'moduleName:p:string!', '409'],
    ['DELETE', '/asterisk/modules/{moduleName}', 'unloadModule', 'void', 'moduleName:p:string!', '404,409'],
    ['PUT', '/asterisk/modules/{moduleName}', 'reloadModule', 'void', 'moduleName:p:string!', '404,409'],
    ['GET', '/asterisk/logging', 'listLogChannels', 'List[LogChannel]', '', ''],
    ['POST', '/asterisk/logging/{logChannelName}', 'addLog', 'void', 'logChannelName:p:string!,configuration:q:string!', '400,409'],
    ['DELETE', '/asterisk/logging/{logChannelName}', 'deleteLog', 'void', 'logChannelName:p:string!', '404'],
    ['PUT', '/asterisk/logging/{logChannelName}/rotate', 'rotateLog', 'void', 'logChannelName:p:string!', '404'],
    ['GET', '/asterisk/variable', 'getGlobalVar', 'Variable', 'variable:q:string!', '400'],
    ['POST', '/asterisk/variable', 'setGlobalVar', 'void', 'variable:q:string!,value:q:string', '400'],
  ],
  endpoints: [
    ['GET', '/endpoints', 'list', 'List[Endpoint]', '', ''],
    ['PUT', '/endpoints/sendMessage', 'sendMessage', 'void', 'to:q:string!,from:q:string!,body:q:string,variables:b:containers', '400,404'],
    ['POST', '/endpoints/refer', 'refer', 'void', 'to:q:string!,from:q:string!,refer_to:q:string!,to_self:q:boolean=false,variables:b:containers', '400,404'],
    ['GET', '/endpoints/{tech}', 'listByTech', 'List[Endpoint]', 'tech:p:string', '404'],
    ['GET', '/endpoints/{tech}/{resource}', 'get', 'Endpoint', 'tech:p:string,resource:p:string', '400,404'],
    ['PUT', '/endpoints/{tech}/{resource}/sendMessage', 'sendMessageToEndpoint', 'void', 'tech:p:string,resource:p:string,from:q:string!,body:q:string,variables:b:containers', '400,404'],
    ['POST', '/endpoints/{tech}/{resource}/refer', 'referToEndpoint', 'void', 'tech:p:string,resource:p:string,from:q:string!,refer_to:q:string!,to_self:q:boolean=false,variables:b:containers', '400,404'],
  ],
  channels: [
    ['GET', '/channels', 'list', 'List[Channel]', '', ''],
    ['POST', '/channels', 'originate', 'Channel', `${ORIGINATE},channelId:q:string,otherChannelId:q:string,originator:q:string,formats:q:string`, '400,409'],
    ['POST', '/channels/create', 'create', 'Channel', 'endpoint:q:string!,app:q:string!,appArgs:q:string,channelId:q:string,otherChannelId:q:string,originator:q:string,formats:q:string,variables:b:containers', '409'],
    ['GET', '/channels/{channelId}', 'get', 'Channel', `${CH}`, '404'],
    ['POST', '/channels/{channelId}', 'originateWithId', 'Channel', `${CH},${ORIGINATE},otherChannelId:q:string,originator:q:string,formats:q:string`, '400,409'],
    ['DELETE', '/channels/{channelId}', 'hangup', 'void', `${CH},reason_code:q:string,reason:q:string{normal|busy|congestion|no_answer|timeout|rejected|unallocated|normal_unspecified|number_incomplete|codec_mismatch|interworking|failure|answered_elsewhere}`, '400,404'],
    ['POST', '/channels/{channelId}/continue', 'continueInDialplan', 'void', `${CH},context:q:string,extension:q:string,priority:q:int,label:q:string`, '404,409,412'],
    ['POST', '/channels/{channelId}/move', 'move', 'void', `${CH},app:q:string!,appArgs:q:string`, '404,409'],
    ['POST', '/channels/{channelId}/redirect', 'redirect', 'void', `${CH},endpoint:q:string!`, '400,404,409,412,422'],
    ['POST', '/channels/{channelId}/answer', 'answer', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/ring', 'ring', 'void', `${CH}`, '404,409,412'],
    ['DELETE', '/channels/{channelId}/ring', 'ringStop', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/progress', 'progress', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/dtmf', 'sendDTMF', 'void', `${CH},dtmf:q:string,before:q:int=0,between:q:int=100,duration:q:int=100,after:q:int=0`, '400,404,409,412'],
    ['POST', '/channels/{channelId}/mute', 'mute', 'void', `${CH},direction:q:string{both|in|out}=both`, '404,409,412'],
    ['DELETE', '/channels/{channelId}/mute', 'unmute', 'void', `${CH},direction:q:string{both|in|out}=both`, '404,409,412'],
    ['POST', '/channels/{channelId}/hold', 'hold', 'void', `${CH}`, '404,409,412'],
    ['DELETE', '/channels/{channelId}/hold', 'unhold', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/moh', 'startMoh', 'void', `${CH},mohClass:q:string`, '404,409,412'],
    ['DELETE', '/channels/{channelId}/moh', 'stopMoh', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/silence', 'startSilence', 'void', `${CH}`, '404,409,412'],
    ['DELETE', '/channels/{channelId}/silence', 'stopSilence', 'void', `${CH}`, '404,409,412'],
    ['POST', '/channels/{channelId}/play', 'play', 'Playback', `${CH},${PLAY},playbackId:q:string`, '404,409,412'],
    ['POST', '/channels/{channelId}/play/{playbackId}', 'playWithId', 'Playback', `${CH},playbackId:p:string!,${PLAY}`, '404,409,412'],
    ['POST', '/channels/{channelId}/record', 'record', 'LiveRecording', `${CH},${RECORD}`, '400,404,409,422'],
    ['GET', '/channels/{channelId}/variable', 'getChannelVar', 'Variable', `${CH},variable:q:string!`, '400,404,409'],
    ['POST', '/channels/{channelId}/variable', 'setChannelVar', 'void', `${CH},variable:q:string!,value:q:string,report_events:q:boolean=false`, '400,404,409'],
    ['GET', '/channels/{channelId}/variables', 'getChannelVars', 'Variables', `${CH},variables:q:string!*`, '400,404,409'],
    ['POST', '/channels/{channelId}/variables', 'setChannelVars', 'void', `${CH},variables:b:containers!`, '400,404,409'],
    ['POST', '/channels/{channelId}/snoop', 'snoopChannel', 'Channel', `${CH},${SNOOP},snoopId:q:string`, '400,404'],
    ['POST', '/channels/{channelId}/snoop/{snoopId}', 'snoopChannelWithId', 'Channel', `${CH},snoopId:p:string!,${SNOOP}`, '400,404'],
    ['POST', '/channels/{channelId}/dial', 'dial', 'void', `${CH},caller:q:string,timeout:q:int{>=0}=0`, '404,409'],
    ['GET', '/channels/{channelId}/rtp_statistics', 'rtpstatistics', 'RTPstat', `${CH}`, '404'],
    ['POST', '/channels/externalMedia', 'externalMedia', 'Channel', 'channelId:q:string,app:q:string!,variables:b:containers,external_host:q:string,encapsulation:q:string{rtp|audiosocket|none}=rtp,transport:q:string{udp|tcp|websocket}=udp,connection_type:q:string{client|server}=client,format:q:string!,direction:q:string{both}=both,data:q:string,transport_data:q:string', '400,409'],
    ['POST', '/channels/{channelId}/transfer_progress', 'transfer_progress', 'void', `${CH},states:q:string!`, '400,404,409,412'],
  ],
  bridges: [
    ['GET', '/bridges', 'list', 'List[Bridge]', '', ''],
    ['POST', '/bridges', 'create', 'Bridge', 'type:q:string,bridgeId:q:string,name:q:string,variables:b:containers', '409'],
    ['POST', '/bridges/{bridgeId}', 'createWithId', 'Bridge', `type:q:string,${BR},name:q:string,variables:b:containers`, '409'],
    ['GET', '/bridges/{bridgeId}', 'get', 'Bridge', `${BR}`, '404'],
    ['DELETE', '/bridges/{bridgeId}', 'destroy', 'void', `${BR}`, '404'],
    ['GET', '/bridges/{bridgeId}/variable', 'getBridgeVar', 'Variable', `${BR},variable:q:string!`, '400,404,409'],
    ['POST', '/bridges/{bridgeId}/variable', 'setBridgeVar', 'void', `${BR},variable:q:string!,value:q:string,report_events:q:boolean=false`, '400,404,409'],
    ['GET', '/bridges/{bridgeId}/variables', 'getBridgeVars', 'Variables', `${BR},variables:q:string!*`, '400,404,409'],
    ['POST', '/bridges/{bridgeId}/variables', 'setBridgeVars', 'void', `${BR},variables:b:containers!`, '400,404,409'],
    ['POST', '/bridges/{bridgeId}/addChannel', 'addChannel', 'void', `${BR},channel:q:string!*,role:q:string,absorbDTMF:q:boolean=false,mute:q:boolean=false,inhibitConnectedLineUpdates:q:boolean=false`, '400,404,409,422'],
    ['POST', '/bridges/{bridgeId}/removeChannel', 'removeChannel', 'void', `${BR},channel:q:string!*`, '400,404,409,422'],
    ['POST', '/bridges/{bridgeId}/videoSource/{channelId}', 'setVideoSource', 'void', `${BR},${CH}`, '404,409,422'],
    ['DELETE', '/bridges/{bridgeId}/videoSource', 'clearVideoSource', 'void', `${BR}`, '404'],
    ['POST', '/bridges/{bridgeId}/moh', 'startMoh', 'void', `${BR},mohClass:q:string`, '404,409'],
    ['DELETE', '/bridges/{bridgeId}/moh', 'stopMoh', 'void', `${BR}`, '404,409'],
    ['POST', '/bridges/{bridgeId}/play', 'play', 'Playback', `${BR},${PLAY_BRIDGE},playbackId:q:string`, '404,409,422'],
    ['POST', '/bridges/{bridgeId}/play/{playbackId}', 'playWithId', 'Playback', `${BR},playbackId:p:string!,${PLAY_BRIDGE}`, '404,409,422'],
    ['POST', '/bridges/{bridgeId}/record', 'record', 'LiveRecording', `${BR},${RECORD_BRIDGE}`, '400,404,409,422'],
  ],
  recordings: [
    ['GET', '/recordings/stored', 'listStored', 'List[StoredRecording]', '', ''],
    ['GET', '/recordings/stored/{recordingName}', 'getStored', 'StoredRecording', `${REC}`, '404'],
    ['DELETE', '/recordings/stored/{recordingName}', 'deleteStored', 'void', `${REC}`, '404'],
    ['GET', '/recordings/stored/{recordingName}/file', 'getStoredFile', 'binary', `${REC}`, '403,404'],
    ['POST', '/recordings/stored/{recordingName}/copy', 'copyStored', 'StoredRecording', `${REC},destinationRecordingName:q:string!`, '404,409'],
    ['GET', '/recordings/live/{recordingName}', 'getLive', 'LiveRecording', `${REC}`, '404'],
    ['DELETE', '/recordings/live/{recordingName}', 'cancel', 'void', `${REC}`, '404'],
    ['POST', '/recordings/live/{recordingName}/stop', 'stop', 'void', `${REC}`, '404'],
    ['POST', '/recordings/live/{recordingName}/pause', 'pause', 'void', `${REC}`, '404,409'],
    ['DELETE', '/recordings/live/{recordingName}/pause', 'unpause', 'void', `${REC}`, '404,409'],
    ['POST', '/recordings/live/{recordingName}/mute', 'mute', 'void', `${REC}`, '404,409'],
    ['DELETE', '/recordings/live/{recordingName}/mute', 'unmute', 'void', `${REC}`, '404,409'],
  ],
  sounds: [
    ['GET', '/sounds', 'list', 'List[Sound]', 'lang:q:string,format:q:string', ''],
    ['GET', '/sounds/{soundId}', 'get', 'Sound', 'soundId:p:string!', ''],
  ],
  playbacks: [
    ['GET', '/playbacks/{playbackId}', 'get', 'Playback', 'playbackId:p:string!', '404'],
    ['DELETE', '/playbacks/{playbackId}', 'stop', 'void', 'playbackId:p:string!', '404'],
    ['POST', '/playbacks/{playbackId}/control', 'control', 'void', 'playbackId:p:string!,operation:q:string!{restart|pause|unpause|reverse|forward}', '400,404,409'],
  ],
  deviceStates: [
    ['GET', '/deviceStates', 'list', 'List[DeviceState]', '', ''],
    ['GET', '/deviceStates/{deviceName}', 'get', 'DeviceState', 'deviceName:p:string!', ''],
    ['PUT', '/deviceStates/{deviceName}', 'update', 'void', 'deviceName:p:string!,deviceState:q:string!{NOT_INUSE|INUSE|BUSY|INVALID|UNAVAILABLE|RINGING|RINGINUSE|ONHOLD}', '404,409'],
    ['DELETE', '/deviceStates/{deviceName}', 'delete', 'void', 'deviceName:p:string!', '404,409'],
  ],
  mailboxes: [
    ['GET', '/mailboxes', 'list', 'List[Mailbox]', '', ''],
    ['GET', '/mailboxes/{mailboxName}', 'get', 'Mailbox', 'mailboxName:p:string!', '404'],
    ['PUT', '/mailboxes/{mailboxName}', 'update', 'void', 'mailboxName:p:string!,oldMessages:q:int!,newMessages:q:int!', '404'],
    ['DELETE', '/mailboxes/{mailboxName}', 'delete', 'void', 'mailboxName:p:string!', '404'],
  ],
  events: [
    ['GET', '/events', 'eventWebsocket', 'Message', 'app:q:string!*,subscribeAll:q:boolean', '', 'websocket'],
    ['POST', '/events/user/{eventName}', 'userEvent', 'void', 'eventName:p:string!,application:q:string!,source:q:string*,variables:b:containers', '400,404,422'],
    ['POST', '/events/claim', 'claimChannel', 'void', 'channelId:q:string!,application:q:string!', '404,409'],
  ],
  applications: [
    ['GET', '/applications', 'list', 'List[Application]', '', ''],
    ['GET', '/applications/{applicationName}', 'get', 'Application', 'applicationName:p:string!', '404'],
    ['POST', '/applications/{applicationName}/subscription', 'subscribe', 'Application', 'applicationName:p:string!,eventSource:q:string!*', '400,404,422'],
    ['DELETE', '/applications/{applicationName}/subscription', 'unsubscribe', 'Application', 'applicationName:p:string!,eventSource:q:string!*', '400,404,409,422'],
    ['PUT', '/applications/{applicationName}/eventFilter', 'filter', 'Application', 'applicationName:p:string!,filter:b:object', '400,404'],
  ],
};
