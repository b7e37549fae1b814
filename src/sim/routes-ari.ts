// /ari/*: every ARI operation the simulator serves, translated to the PBX model.
import { AriError, type Pbx } from './pbx.ts';
import { router, type Params, type Req, type Result, type Route } from './routes.ts';

export function ariRoutes(pbx: Pbx): Route[] {
  const { routes, add } = router();
  const created = (body: Params, location: string): Result => ({ status: 201, body, headers: { Location: location } });
  const originate = (r: Req, channelId?: string) =>
    pbx.originate({
      endpoint: r.str('endpoint'), extension: r.str('extension'), context: r.str('context'), priority: r.int('priority'), label: r.str('label'),
      app: r.str('app'), appArgs: r.str('appArgs'), callerId: r.str('callerId'), timeout: r.int('timeout'), channelId: channelId ?? r.str('channelId'),
      otherChannelId: r.str('otherChannelId'), originator: r.str('originator'), variables: r.vars(),
    });
  const recordQ = (r: Req) => ({
    name: r.str('name'), format: r.str('format'), maxDurationSeconds: r.int('maxDurationSeconds'), maxSilenceSeconds: r.int('maxSilenceSeconds'),
    ifExists: r.str('ifExists'), beep: r.bool('beep'), terminateOn: r.str('terminateOn'),
  });
  const playRes = (pb: Params): Result => created(pb, `/playbacks/${String(pb.id)}`);

  // asterisk
  add('GET', '/asterisk/info', () => pbx.asteriskInfo());
  add('GET', '/asterisk/ping', () => pbx.ping());
  add('GET', '/asterisk/modules', () => pbx.listModules());
  add('GET', '/asterisk/modules/{moduleName}', (r) => pbx.getModule(r.path.moduleName!));
  add('POST', '/asterisk/modules/{moduleName}', (r) => pbx.loadModule(r.path.moduleName!));
  add('DELETE', '/asterisk/modules/{moduleName}', (r) => pbx.unloadModule(r.path.moduleName!));
  add('PUT', '/asterisk/modules/{moduleName}', (r) => pbx.reloadModule(r.path.moduleName!));
  add('GET', '/asterisk/logging', () => pbx.listLogChannels());
  add('POST', '/asterisk/logging/{logChannelName}', (r) => pbx.addLog(r.path.logChannelName!, r.str('configuration')));
  add('DELETE', '/asterisk/logging/{logChannelName}', (r) => pbx.deleteLog(r.path.logChannelName!));
  add('PUT', '/asterisk/logging/{logChannelName}/rotate', (r) => pbx.rotateLog(r.path.logChannelName!));
  for (const method of ['GET', 'PUT', 'DELETE']) {
    add(method, '/asterisk/config/dynamic/{configClass}/{objectType}/{id}', (r) => pbx.configObject(method, r.path.configClass!, r.path.objectType!, r.path.id!, r.body));
  }
  add('GET', '/asterisk/variable', (r) => pbx.globalVar(r.str('variable')));
  add('POST', '/asterisk/variable', (r) => pbx.setGlobalVar(r.str('variable'), r.str('value')));

  // applications
  add('GET', '/applications', () => pbx.listApps());
  add('GET', '/applications/{applicationName}', (r) => pbx.getApp(r.path.applicationName!));
  add('PUT', '/applications/{applicationName}/eventFilter', (r) => pbx.filter(r.path.applicationName!, r.body));
  add('POST', '/applications/{applicationName}/subscription', (r) => {
    const src = r.list('eventSource');
    if (src.length === 0) throw new AriError(400, 'Missing parameter eventSource');
    return pbx.subscribe(r.path.applicationName!, src);
  });
  add('DELETE', '/applications/{applicationName}/subscription', (r) => {
    const src = r.list('eventSource');
    if (src.length === 0) throw new AriError(400, 'Missing parameter eventSource');
    return pbx.unsubscribe(r.path.applicationName!, src);
  });

  // channels
  add('GET', '/channels', () => pbx.listChannels());
  add('POST', '/channels', (r) => originate(r));
  add('POST', '/channels/create', (r) =>
    pbx.createChannel({ endpoint: r.str('endpoint'), app: r.str('app'), appArgs: r.str('appArgs'), channelId: r.str('channelId'), otherChannelId: r.str('otherChannelId'), originator: r.str('originator') }),
  );
  add('GET', '/channels/{channelId}', (r) => pbx.getChannel(r.path.channelId!));
  add('POST', '/channels/{channelId}', (r) => originate(r, r.path.channelId));
  add('DELETE', '/channels/{channelId}', (r) => {
    const raw = r.str('reason_code');
    const code = raw === undefined || raw === '' ? undefined : Number.parseInt(raw, 10);
    if (code !== undefined && Number.isNaN(code)) throw new AriError(400, 'Invalid reason for hangup reason code provided');
    pbx.hangup(r.path.channelId!, r.str('reason'), code);
  });
  add('POST', '/channels/{channelId}/continue', (r) =>
    pbx.continueInDialplan(r.path.channelId!, { context: r.str('context'), extension: r.str('extension'), priority: r.int('priority'), label: r.str('label') }),
  );
  add('POST', '/channels/{channelId}/dial', (r) => pbx.dial(r.path.channelId!, r.int('timeout')));
  add('POST', '/channels/{channelId}/move', (r) => pbx.move(r.path.channelId!, r.str('app'), r.str('appArgs')));
  add('POST', '/events/user/{eventName}', (r) => pbx.userEvent(r.path.eventName!, r.str('application'), r.list('source'), r.vars()));
  add('POST', '/events/claim', (r) => pbx.claim(r.str('channelId'), r.str('application')));
  add('POST', '/channels/externalMedia', (r) =>
    pbx.externalMedia({
      channelId: r.str('channelId'), app: r.str('app'), external_host: r.str('external_host'), encapsulation: r.str('encapsulation'), transport: r.str('transport'),
      connection_type: r.str('connection_type'), format: r.str('format'), direction: r.str('direction'), data: r.str('data'), variables: r.vars(),
    }),
  );
  add('POST', '/channels/{channelId}/progress', (r) => pbx.progress(r.path.channelId!));
  add('POST', '/channels/{channelId}/transfer_progress', (r) => pbx.transferProgress(r.path.channelId!, r.str('states')));
  add('GET', '/channels/{channelId}/rtp_statistics', (r) => pbx.rtpStatistics(r.path.channelId!));
  add('GET', '/channels/{channelId}/variables', (r) => pbx.getChannelVars(r.path.channelId!, r.list('variables')));
  add('POST', '/channels/{channelId}/variables', (r) => pbx.setChannelVars(r.path.channelId!, r.body));
  add('POST', '/channels/{channelId}/redirect', (r) => pbx.redirect(r.path.channelId!, r.str('endpoint')));
  add('POST', '/channels/{channelId}/answer', (r) => pbx.answer(r.path.channelId!));
  add('POST', '/channels/{channelId}/ring', (r) => pbx.ring(r.path.channelId!));
  add('DELETE', '/channels/{channelId}/ring', (r) => pbx.ringStop(r.path.channelId!));
  add('POST', '/channels/{channelId}/dtmf', (r) =>
    pbx.dtmf(r.path.channelId!, { dtmf: r.str('dtmf'), before: r.int('before'), between: r.int('between'), duration: r.int('duration'), after: r.int('after') }),
  );
  for (const [method, on] of [['POST', true], ['DELETE', false]] as const) {
    add(method, '/channels/{channelId}/mute', (r) => {
      const d = r.str('direction') ?? 'both';
      if (!['both', 'in', 'out'].includes(d)) throw new AriError(400, 'Invalid direction specified');
      pbx.simpleOp(r.path.channelId!);
    });
    add(method, '/channels/{channelId}/hold', (r) => pbx.hold(r.path.channelId!, on));
    add(method, '/channels/{channelId}/moh', (r) => pbx.moh(r.path.channelId!, on, r.str('mohClass')));
    add(method, '/channels/{channelId}/silence', (r) => pbx.simpleOp(r.path.channelId!));
  }
  add('POST', '/channels/{channelId}/play', (r) => playRes(pbx.play(r.path.channelId!, r.list('media'), r.str('playbackId'), r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/channels/{channelId}/play/{playbackId}', (r) => playRes(pbx.play(r.path.channelId!, r.list('media'), r.path.playbackId, r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/channels/{channelId}/record', (r) => {
    const rec = pbx.record(r.path.channelId!, recordQ(r));
    return created(rec, `/recordings/live/${String(rec.name)}`);
  });
  add('GET', '/channels/{channelId}/variable', (r) => pbx.getVar(r.path.channelId!, r.str('variable')));
  add('POST', '/channels/{channelId}/variable', (r) => pbx.setVar(r.path.channelId!, r.str('variable'), r.str('value'), r.bool('report_events')));
  for (const [method, on] of [['POST', true], ['DELETE', false]] as const) {
    add(method, '/recordings/live/{recordingName}/pause', (r) => pbx.pauseRecording(r.path.recordingName!, on));
    add(method, '/recordings/live/{recordingName}/mute', (r) => pbx.muteRecording(r.path.recordingName!, on));
  }
  const snoop = (r: Req, id?: string) =>
    pbx.snoop(r.path.channelId!, { spy: r.str('spy'), whisper: r.str('whisper'), app: r.str('app'), appArgs: r.str('appArgs'), snoopId: id ?? r.str('snoopId') });
  add('POST', '/channels/{channelId}/snoop', (r) => snoop(r));
  add('POST', '/channels/{channelId}/snoop/{snoopId}', (r) => snoop(r, r.path.snoopId));

  // bridges
  add('GET', '/bridges', () => pbx.listBridges());
  add('POST', '/bridges', (r) => pbx.createBridge({ bridgeId: r.str('bridgeId'), type: r.str('type'), name: r.str('name'), variables: r.vars() }));
  add('POST', '/bridges/{bridgeId}', (r) => pbx.createBridge({ bridgeId: r.path.bridgeId, type: r.str('type'), name: r.str('name'), variables: r.vars() }));
  add('GET', '/bridges/{bridgeId}/variable', (r) => pbx.getBridgeVar(r.path.bridgeId!, r.str('variable')));
  add('POST', '/bridges/{bridgeId}/variable', (r) => pbx.setBridgeVar(r.path.bridgeId!, r.str('variable'), r.str('value')));
  add('GET', '/bridges/{bridgeId}/variables', (r) => pbx.getBridgeVars(r.path.bridgeId!, r.list('variables')));
  add('POST', '/bridges/{bridgeId}/variables', (r) => pbx.setBridgeVars(r.path.bridgeId!, r.body));
  add('POST', '/bridges/{bridgeId}/videoSource/{channelId}', (r) => pbx.setVideoSource(r.path.bridgeId!, r.path.channelId!));
  add('DELETE', '/bridges/{bridgeId}/videoSource', (r) => pbx.clearVideoSource(r.path.bridgeId!));
  add('GET', '/bridges/{bridgeId}', (r) => pbx.getBridge(r.path.bridgeId!));
  add('DELETE', '/bridges/{bridgeId}', (r) => pbx.destroyBridge(r.path.bridgeId!));
  add('POST', '/bridges/{bridgeId}/addChannel', (r) => {
    pbx.getBridge(r.path.bridgeId!);
    const ch = r.list('channel');
    if (ch.length === 0) throw new AriError(400, 'Missing parameter channel');
    return pbx.addChannel(r.path.bridgeId!, ch);
  });
  add('POST', '/bridges/{bridgeId}/removeChannel', (r) => {
    pbx.getBridge(r.path.bridgeId!);
    const ch = r.list('channel');
    if (ch.length === 0) throw new AriError(400, 'Missing parameter channel');
    return pbx.removeChannel(r.path.bridgeId!, ch);
  });
  add('POST', '/bridges/{bridgeId}/moh', (r) => pbx.bridgeMoh(r.path.bridgeId!, true, r.str('mohClass')));
  add('DELETE', '/bridges/{bridgeId}/moh', (r) => pbx.bridgeMoh(r.path.bridgeId!, false, undefined));
  add('POST', '/bridges/{bridgeId}/play', (r) => playRes(pbx.bridgePlay(r.path.bridgeId!, r.list('media'), r.str('playbackId'), r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/bridges/{bridgeId}/play/{playbackId}', (r) => playRes(pbx.bridgePlay(r.path.bridgeId!, r.list('media'), r.path.playbackId, r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/bridges/{bridgeId}/record', (r) => {
    const rec: Params = pbx.bridgeRecord(r.path.bridgeId!, recordQ(r));
    return created(rec, `/recordings/live/${String(rec.name)}`);
  });

  // playbacks
  add('GET', '/playbacks/{playbackId}', (r) => pbx.getPlayback(r.path.playbackId!));
  add('DELETE', '/playbacks/{playbackId}', (r) => pbx.stopPlayback(r.path.playbackId!));
  add('POST', '/playbacks/{playbackId}/control', (r) => {
    const op = r.str('operation');
    if (!op) throw new AriError(400, 'Missing parameter operation');
    pbx.controlPlayback(r.path.playbackId!, op);
  });

  // recordings
  add('GET', '/recordings/stored', () => pbx.listStored());
  add('GET', '/recordings/stored/{recordingName}', (r) => pbx.getStored(r.path.recordingName!));
  add('DELETE', '/recordings/stored/{recordingName}', (r) => pbx.deleteStored(r.path.recordingName!));
  add('GET', '/recordings/stored/{recordingName}/file', (r) => {
    const f = pbx.storedFile(r.path.recordingName!);
    return { status: 200, raw: f.data, contentType: f.contentType };
  });
  add('POST', '/recordings/stored/{recordingName}/copy', (r) => pbx.copyStored(r.path.recordingName!, r.str('destinationRecordingName')));
  add('GET', '/recordings/live/{recordingName}', (r) => pbx.getLiveRecording(r.path.recordingName!));
  add('DELETE', '/recordings/live/{recordingName}', (r) => pbx.cancelRecording(r.path.recordingName!));
  add('POST', '/recordings/live/{recordingName}/stop', (r) => pbx.stopRecording(r.path.recordingName!));

  // endpoints, device states, sounds
  add('GET', '/endpoints', () => pbx.listEndpoints());
  add('GET', '/endpoints/{tech}', (r) => pbx.listEndpoints(r.path.tech));
  add('GET', '/endpoints/{tech}/{resource}', (r) => pbx.getEndpoint(r.path.tech!, r.path.resource!));
  const accepted = (): Result => ({ status: 202, body: undefined, headers: {} });
  add('PUT', '/endpoints/sendMessage', (r) => (pbx.sendMessage(r.str('to'), r.str('from')), accepted()));
  add('POST', '/endpoints/refer', (r) => (pbx.refer(r.str('to')), accepted()));
  add('PUT', '/endpoints/{tech}/{resource}/sendMessage', (r) => (pbx.sendMessageToEndpoint(r.path.tech!, r.path.resource!), accepted()));
  add('POST', '/endpoints/{tech}/{resource}/refer', (r) => (pbx.referToEndpoint(r.path.tech!, r.path.resource!), accepted()));
  add('GET', '/mailboxes', () => pbx.listMailboxes());
  add('GET', '/mailboxes/{mailboxName}', (r) => pbx.getMailbox(r.path.mailboxName!));
  add('PUT', '/mailboxes/{mailboxName}', (r) => pbx.updateMailbox(r.path.mailboxName!, r.int('oldMessages'), r.int('newMessages')));
  add('DELETE', '/mailboxes/{mailboxName}', (r) => pbx.deleteMailbox(r.path.mailboxName!));
  add('GET', '/deviceStates', () => pbx.listDeviceStates());
  add('GET', '/deviceStates/{deviceName}', (r) => pbx.getDeviceState(r.path.deviceName!));
  add('PUT', '/deviceStates/{deviceName}', (r) => pbx.setDeviceState(r.path.deviceName!, r.str('deviceState')));
  add('DELETE', '/deviceStates/{deviceName}', (r) => pbx.deleteDeviceState(r.path.deviceName!));
  add('GET', '/sounds', (r) => pbx.listSounds(r.str('lang'), r.str('format')));
  add('GET', '/sounds/{soundId}', (r) => pbx.getSound(r.path.soundId!));
  return routes;
}
