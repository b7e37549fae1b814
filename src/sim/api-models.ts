// The models of Asterisk 22.10.1's ARI declarations, as the simulator declares them
// (checked against the real server's: test/unit/sim/api-surface.test.ts). ari-client builds
// its event handling from these: an event type it does not find declared crashes its handler.
// Property: `name:type`, `!` required, `{a|b}` allowable values.

export interface ModelSpec {
  resource: string;
  props: string;
  discriminator?: string;
  subTypes?: string[];
}

/** Every event type, in the order Asterisk lists them under `Event`. */
export const EVENT_TYPES = [
  'DeviceStateChanged', 'PlaybackStarted', 'PlaybackContinuing', 'PlaybackFinished', 'RecordingStarted', 'RecordingFinished',
  'RecordingFailed', 'ApplicationMoveFailed', 'ApplicationRegistered', 'ApplicationUnregistered', 'ApplicationReplaced', 'BridgeCreated',
  'BridgeDestroyed', 'BridgeMerged', 'BridgeBlindTransfer', 'BridgeAttendedTransfer', 'BridgeVideoSourceChanged', 'ChannelCreated',
  'ChannelDestroyed', 'ChannelEnteredBridge', 'ChannelLeftBridge', 'ChannelStateChange', 'ChannelDtmfReceived', 'ChannelDialplan',
  'ChannelCallerId', 'ChannelUserevent', 'ChannelHangupRequest', 'ChannelVarset', 'ChannelToneDetected', 'ChannelTalkingStarted',
  'ChannelTalkingFinished', 'ChannelHold', 'ChannelUnhold', 'ContactStatusChange', 'EndpointStateChange', 'Dial',
  'StasisEnd', 'StasisStart', 'TextMessageReceived', 'ChannelConnectedLine', 'PeerStatusChange', 'ChannelTransfer',
  'RESTResponse', 'CallBroadcast', 'CallClaimed',
];

export const MODELS: Record<string, ModelSpec> = {
  // asterisk
  BuildInfo: { resource: 'asterisk', props: 'os:string!,kernel:string!,options:string!,machine:string!,date:string!,user:string!' },
  SystemInfo: { resource: 'asterisk', props: 'version:string!,entity_id:string!' },
  SetId: { resource: 'asterisk', props: 'user:string!,group:string!' },
  ConfigInfo: { resource: 'asterisk', props: 'name:string!,default_language:string!,max_channels:int,max_open_files:int,max_load:double,setid:SetId!' },
  StatusInfo: { resource: 'asterisk', props: 'startup_time:Date!,last_reload_time:Date!' },
  AsteriskInfo: { resource: 'asterisk', props: 'build:BuildInfo,system:SystemInfo,config:ConfigInfo,status:StatusInfo' },
  AsteriskPing: { resource: 'asterisk', props: 'asterisk_id:string!,ping:string!,timestamp:string!' },
  Module: { resource: 'asterisk', props: 'name:string!,description:string!,use_count:int!,status:string!,support_level:string!' },
  LogChannel: { resource: 'asterisk', props: 'channel:string!,type:string!,status:string!,configuration:string!' },
  Variable: { resource: 'asterisk', props: 'value:string!' },
  Variables: { resource: 'asterisk', props: 'variables:object!' },
  ConfigTuple: { resource: 'asterisk', props: 'attribute:string!,value:string!' },
  // endpoints
  Endpoint: { resource: 'endpoints', props: 'technology:string!,resource:string!,state:string{unknown|offline|online},channel_ids:List[string]!' },
  TextMessage: { resource: 'endpoints', props: 'from:string!,to:string!,body:string!,variables:object' },
  // channels
  Dialed: { resource: 'channels', props: '' },
  DialplanCEP: { resource: 'channels', props: 'context:string!,exten:string!,priority:long!,app_name:string!,app_data:string!' },
  CallerID: { resource: 'channels', props: 'name:string!,number:string!' },
  RTPstat: { resource: 'channels', props: 'txcount:int!,rxcount:int!,txjitter:double,rxjitter:double,remote_maxjitter:double,remote_minjitter:double,remote_normdevjitter:double,remote_stdevjitter:double,local_maxjitter:double,local_minjitter:double,local_normdevjitter:double,local_stdevjitter:double,txploss:int!,rxploss:int!,remote_maxrxploss:double,remote_minrxploss:double,remote_normdevrxploss:double,remote_stdevrxploss:double,local_maxrxploss:double,local_minrxploss:double,local_normdevrxploss:double,local_stdevrxploss:double,rtt:double,maxrtt:double,minrtt:double,normdevrtt:double,stdevrtt:double,local_ssrc:int!,remote_ssrc:int!,txoctetcount:int!,rxoctetcount:int!,channel_uniqueid:string!' },
  Channel: { resource: 'channels', props: 'id:string!,protocol_id:string!,name:string!,state:string!{Down|Rsrved|OffHook|Dialing|Ring|Ringing|Up|Busy|Dialing Offhook|Pre-ring|Unknown},caller:CallerID!,connected:CallerID!,accountcode:string!,dialplan:DialplanCEP!,creationtime:Date!,language:string!,channelvars:object,caller_rdnis:string,tenantid:string' },
  // bridges
  Bridge: { resource: 'bridges', props: 'id:string!,technology:string!,bridge_type:string!{mixing|holding},bridge_class:string!,creator:string!,name:string!,channels:List[string]!,video_mode:string,video_source_id:string,creationtime:Date!,bridgevars:object' },
  // recordings
  StoredRecording: { resource: 'recordings', props: 'name:string!,format:string!' },
  LiveRecording: { resource: 'recordings', props: 'name:string!,format:string!,target_uri:string!,state:string!{queued|recording|paused|done|failed|canceled},duration:int,talking_duration:int,silence_duration:int,cause:string' },
  // sounds
  FormatLangPair: { resource: 'sounds', props: 'language:string!,format:string!' },
  Sound: { resource: 'sounds', props: 'id:string!,text:string,formats:List[FormatLangPair]!' },
  // playbacks
  Playback: { resource: 'playbacks', props: 'id:string!,media_uri:string!,next_media_uri:string,target_uri:string!,language:string,state:string!{queued|playing|continuing|done|failed}' },
  // deviceStates
  DeviceState: { resource: 'deviceStates', props: 'name:string!,state:string!{UNKNOWN|NOT_INUSE|INUSE|BUSY|INVALID|UNAVAILABLE|RINGING|RINGINUSE|ONHOLD}' },
  // mailboxes
  Mailbox: { resource: 'mailboxes', props: 'name:string!,old_messages:int!,new_messages:int!' },
  // events
  Message: { resource: 'events', props: 'type:string!,asterisk_id:string', discriminator: 'type', subTypes: ['MissingParams', 'Event'] },
  MissingParams: { resource: 'events', props: 'params:List[string]!' },
  Event: { resource: 'events', props: 'application:string!,timestamp:Date!', subTypes: EVENT_TYPES },
  ContactInfo: { resource: 'events', props: 'uri:string!,contact_status:string!{Unreachable|Reachable|Unknown|NonQualified|Removed},aor:string!,roundtrip_usec:string' },
  Peer: { resource: 'events', props: 'peer_status:string!,cause:string,address:string,port:string,time:string' },
  DeviceStateChanged: { resource: 'events', props: 'device_state:DeviceState!' },
  PlaybackStarted: { resource: 'events', props: 'playback:Playback!' },
  PlaybackContinuing: { resource: 'events', props: 'playback:Playback!' },
  PlaybackFinished: { resource: 'events', props: 'playback:Playback!' },
  RecordingStarted: { resource: 'events', props: 'recording:LiveRecording!' },
  RecordingFinished: { resource: 'events', props: 'recording:LiveRecording!' },
  RecordingFailed: { resource: 'events', props: 'recording:LiveRecording!' },
  ApplicationMoveFailed: { resource: 'events', props: 'channel:Channel!,destination:string!,args:List[string]!' },
  ApplicationRegistered: { resource: 'events', props: '' },
  ApplicationUnregistered: { resource: 'events', props: '' },
  ApplicationReplaced: { resource: 'events', props: '' },
  BridgeCreated: { resource: 'events', props: 'bridge:Bridge!' },
  BridgeDestroyed: { resource: 'events', props: 'bridge:Bridge!' },
  BridgeMerged: { resource: 'events', props: 'bridge:Bridge!,bridge_from:Bridge!' },
  BridgeVideoSourceChanged: { resource: 'events', props: 'bridge:Bridge!,old_video_source_id:string' },
  BridgeBlindTransfer: { resource: 'events', props: 'channel:Channel!,replace_channel:Channel,transferee:Channel,exten:string!,context:string!,result:string!,is_external:boolean!,bridge:Bridge' },
  BridgeAttendedTransfer: { resource: 'events', props: 'transferer_first_leg:Channel!,transferer_second_leg:Channel!,replace_channel:Channel,transferee:Channel,transfer_target:Channel,result:string!,is_external:boolean!,transferer_first_leg_bridge:Bridge,transferer_second_leg_bridge:Bridge,destination_type:string!,destination_bridge:string,destination_application:string,destination_link_first_leg:Channel,destination_link_second_leg:Channel,destination_threeway_channel:Channel,destination_threeway_bridge:Bridge' },
  ChannelCreated: { resource: 'events', props: 'channel:Channel!' },
  ChannelDestroyed: { resource: 'events', props: 'cause:int!,cause_txt:string!,tech_cause:int,channel:Channel!' },
  ChannelEnteredBridge: { resource: 'events', props: 'bridge:Bridge!,channel:Channel' },
  ChannelLeftBridge: { resource: 'events', props: 'bridge:Bridge!,channel:Channel!' },
  ChannelStateChange: { resource: 'events', props: 'channel:Channel!' },
  ChannelDtmfReceived: { resource: 'events', props: 'digit:string!,duration_ms:int!,channel:Channel!' },
  ChannelDialplan: { resource: 'events', props: 'channel:Channel!,dialplan_app:string!,dialplan_app_data:string!' },
  ChannelCallerId: { resource: 'events', props: 'caller_presentation:int!,caller_presentation_txt:string!,channel:Channel!' },
  ChannelUserevent: { resource: 'events', props: 'eventname:string!,channel:Channel,bridge:Bridge,endpoint:Endpoint,userevent:object!' },
  ChannelHangupRequest: { resource: 'events', props: 'cause:int,tech_cause:int,soft:boolean,channel:Channel!' },
  ChannelVarset: { resource: 'events', props: 'variable:string!,value:string!,channel:Channel' },
  ChannelHold: { resource: 'events', props: 'channel:Channel!,musicclass:string' },
  ChannelUnhold: { resource: 'events', props: 'channel:Channel!' },
  ChannelToneDetected: { resource: 'events', props: 'channel:Channel!' },
  ChannelTalkingStarted: { resource: 'events', props: 'channel:Channel!' },
  ChannelTalkingFinished: { resource: 'events', props: 'channel:Channel!,duration:int!' },
  ContactStatusChange: { resource: 'events', props: 'endpoint:Endpoint!,contact_info:ContactInfo!' },
  PeerStatusChange: { resource: 'events', props: 'endpoint:Endpoint!,peer:Peer!' },
  EndpointStateChange: { resource: 'events', props: 'endpoint:Endpoint!' },
  Dial: { resource: 'events', props: 'caller:Channel,peer:Channel!,forward:string,forwarded:Channel,dialstring:string,dialstatus:string!' },
  StasisEnd: { resource: 'events', props: 'channel:Channel!' },
  StasisStart: { resource: 'events', props: 'args:List[string]!,channel:Channel!,replace_channel:Channel' },
  TextMessageReceived: { resource: 'events', props: 'message:TextMessage!,endpoint:Endpoint' },
  ChannelConnectedLine: { resource: 'events', props: 'channel:Channel!' },
  ChannelTransfer: { resource: 'events', props: 'state:string,refer_to:ReferTo!,referred_by:ReferredBy!' },
  ReferTo: { resource: 'events', props: 'requested_destination:RequiredDestination!,destination_channel:Channel,connected_channel:Channel,bridge:Bridge' },
  ReferredBy: { resource: 'events', props: 'source_channel:Channel!,connected_channel:Channel,bridge:Bridge' },
  RequiredDestination: { resource: 'events', props: 'protocol_id:string,destination:string,additional_protocol_params:List[AdditionalParam]' },
  AdditionalParam: { resource: 'events', props: 'parameter_name:string!,parameter_value:string!' },
  RESTHeader: { resource: 'events', props: 'name:string!,value:string!' },
  RESTQueryStringParameter: { resource: 'events', props: 'name:string!,value:string!' },
  RESTRequest: { resource: 'events', props: 'type:string!,transaction_id:string!,request_id:string!,method:string!,uri:string!,content_type:string,query_strings:List[RESTQueryStringParameter],message_body:string' },
  RESTResponse: { resource: 'events', props: 'transaction_id:string!,request_id:string!,status_code:int!,reason_phrase:string!,uri:string!,content_type:string,message_body:string' },
  CallBroadcast: { resource: 'events', props: 'channel:Channel!,caller:string,called:string' },
  CallClaimed: { resource: 'events', props: 'channel:Channel!,winner_app:string!' },
  // applications
  Application: { resource: 'applications', props: 'name:string!,channel_ids:List[string]!,bridge_ids:List[string]!,endpoint_ids:List[string]!,device_names:List[string]!,events_allowed:List[object]!,events_disallowed:List[object]!' },
};
