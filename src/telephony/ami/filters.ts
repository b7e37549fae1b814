// The manager user's eventfilters (manager.conf / FreePBX manager_custom.conf): only the events
// the app uses reach it — CEL records (minus the ones it ignores) and app_queue's — so a busy
// PBX's Newexten/VarSet/RTCP traffic is dropped by Asterisk, not parsed here. The same lines
// are shipped in dialplan/manager_custom.conf (a unit test keeps them equal) and configure the
// simulator's AMI user.
export const AMI_EVENTFILTERS: readonly string[] = [
  'eventfilter(action(include),name(CEL)) =',
  'eventfilter(action(include),name(QueueCallerJoin)) =',
  'eventfilter(action(include),name(QueueCallerLeave)) =',
  'eventfilter(action(include),name(QueueCallerAbandon)) =',
  'eventfilter(action(include),name(AgentConnect)) =',
  'eventfilter(action(include),name(QueueMemberStatus)) =',
  'eventfilter(action(include),name(QueueMemberAdded)) =',
  'eventfilter(action(include),name(QueueMemberRemoved)) =',
  'eventfilter(action(include),name(QueueMemberPause)) =',
  'eventfilter(action(exclude),name(CEL),header(EventName),method(regex)) = ^(APP_END|DTMF|STREAM_BEGIN|STREAM_END|LOCAL_OPTIMIZE|LOCAL_OPTIMIZE_BEGIN|PARK_START|PARK_END)$',
];

/** Read classes the app needs (CEL is class `call`; app_queue's events are `agent`). */
export const AMI_READ = ['call', 'agent'] as const;
/** Write classes: call (Hangup, Status, StopMixMonitor), originate (click-to-call), agent (QueuePause/Add/Remove); system only for MixMonitor. */
export const AMI_WRITE = ['call', 'originate', 'agent', 'system'] as const;
