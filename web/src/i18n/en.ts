// English messages. Their keys are declared in messages.ts, which es.ts follows too.
import type { Messages, P } from './messages.ts';

const s = (v: unknown) => (v === undefined || v === null || v === '' ? '—' : String(v));

export const en: Messages = {
  appName: 'centralita',
  skipToContent: 'Skip to content',
  nav: { wallboard: 'Wallboard', agent: 'Agent console', reports: 'Reports', calls: 'Call search', main: 'Main' },
  lang: { label: 'Language', es: 'Español', en: 'English' },
  tv: { on: 'Wall TV mode', off: 'Leave TV mode' },
  conn: { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' },
  signIn: {
    title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', signingIn: 'Signing in…',
    failed: 'Wrong username or password.', tooMany: 'Too many attempts; wait a minute.', signOut: 'Sign out', signedInAs: (p: P) => `Signed in as ${s(p.name)}`,
  },
  common: {
    none: 'None', loading: 'Loading…', error: 'Something went wrong', retry: 'Retry', cancel: 'Cancel', confirm: 'Confirm', close: 'Close', save: 'Save',
    yes: 'Yes', no: 'No', seconds: 's', notAllowed: 'Your role may not see this page.', unknown: 'Unknown',
  },
  kpi: { callsToday: 'Calls today', answered: 'Answered', abandoned: 'Abandoned', live: 'Live calls', waiting: 'Waiting', agentsAvailable: 'Available', agentsOnCall: 'On a call', agentsWrap: 'Wrap-up', agentsPaused: 'Paused', fromHistory: 'today, from the call history', sinceStart: 'since the app started' },
  queue: {
    title: 'Queues', waiting: 'Waiting', longest: 'Longest wait', offered: 'Offered', answered: 'Answered', abandoned: 'Abandoned', sl: 'Service level', slWithin: (p: P) => `answered within ${s(p.sec)} s`,
    asa: 'ASA', aht: 'AHT', staffed: 'Staffed', available: 'Available', none: 'No queues to show',
  },
  agents: {
    title: 'Agents', name: 'Agent', state: 'State', inState: 'Time in state', call: 'Current call', queues: 'Queues', callsToday: 'Calls today', aht: 'AHT', none: 'No agents',
    states: { loggedOut: 'Logged out', available: 'Available', ringing: 'Ringing', onCall: 'On a call', wrapUp: 'Wrap-up', paused: 'Paused' },
  },
  waiting: { title: 'Waiting callers', position: 'Position', queue: 'Queue', caller: 'Caller', wait: 'Waiting', none: 'Nobody is waiting', phases: { waiting: 'waiting', ringing: 'being offered', retry: 'retrying' } },
  calls: { title: 'Active calls', caller: 'Caller', flow: 'Flow', node: 'Step', queue: 'Queue', agent: 'Agent', duration: 'Duration', none: 'No calls right now', inbound: 'inbound', outbound: 'outbound' },
  campaigns: {
    title: 'Campaigns', state: 'State', progress: 'Progress', pace: 'Pace', perMin: (p: P) => `${s(p.n)} / min`, limit: (p: P) => `max ${s(p.cps)}/s, ${s(p.conc)} at once`,
    done: (p: P) => `${s(p.done)} of ${s(p.total)} done`, dialling: (p: P) => `${s(p.n)} dialling`, none: 'No campaigns',
    pause: 'Pause', resume: 'Resume', cancel: 'Cancel',
    confirmPause: (p: P) => `Pause campaign ${s(p.id)}? No new calls are dialled until it is resumed.`,
    confirmResume: (p: P) => `Resume campaign ${s(p.id)}?`,
    confirmCancel: (p: P) => `Cancel campaign ${s(p.id)}? This cannot be undone: rows not yet called will never be called.`,
    states: { active: 'Active', paused: 'Paused', cancelled: 'Cancelled', completed: 'Completed' },
    outcomes: { answered: 'Answered', voicemail: 'Voicemail', busy: 'Busy', 'no-answer': 'No answer', failed: 'Failed', cancelled: 'Cancelled', expired: 'Expired', 'do-not-call': 'Do not call' },
  },
  hours: {
    title: 'Business hours', open: 'Open', closed: 'Closed', until: (p: P) => `until ${s(p.at)}`, next: (p: P) => `${s(p.state)} at ${s(p.at)}`,
    reasons: { weekly: 'Weekly hours', holiday: 'Holiday', date: 'Special date', override: 'Override' },
    overrideBy: (p: P) => `Override by ${s(p.by)}: ${s(p.reason)}, until ${s(p.at)}`,
    setOverride: 'Set an override', clearOverride: 'Clear override', forceOpen: 'Force open', forceClosed: 'Force closed', reason: 'Reason', expiry: 'For how long',
    minutes: (p: P) => `${s(p.n)} minutes`, hoursN: (p: P) => `${s(p.n)} hours`, untilNext: 'Until the next scheduled change', untilTime: 'Until a date and time', apply: 'Apply override',
    reasonRequired: 'Give a reason', expiryRequired: 'Choose when the override ends', confirmClear: (p: P) => `Clear the override of ${s(p.id)}? The schedule alone decides again.`, none: 'No schedules',
  },
  log: {
    title: 'Live events', none: 'Nothing yet',
    kinds: {
      'call.started': (p: P) => `Call ${p.direction === 'outbound' ? 'to' : 'from'} ${s(p.caller)} entered the ${s(p.flow)} flow`,
      'call.ended': (p: P) => `Call ${p.direction === 'outbound' ? 'to' : 'from'} ${s(p.caller)} ended: ${s(p.disposition)}${p.agent ? ` (${p.agent})` : ''}`,
      'queue.join': (p: P) => `${s(p.caller)} is waiting in ${s(p.queue)} (position ${s(p.position)})`,
      'queue.answer': (p: P) => `${s(p.agent)} answered ${s(p.caller)} in ${s(p.queue)} after ${s(p.wait)} s`,
      'queue.abandon': (p: P) => `${s(p.caller)} hung up after waiting ${s(p.wait)} s in ${s(p.queue)}`,
      'queue.timeout': (p: P) => `${s(p.caller)} waited the longest allowed in ${s(p.queue)} (${s(p.wait)} s)`,
      'queue.exit': (p: P) => `${s(p.caller)} left ${s(p.queue)} with the exit key after ${s(p.wait)} s`,
      'queue.reject': (p: P) => `${s(p.caller)} could not join ${s(p.queue)} (${s(p.why)})`,
      'agent.state': (p: P) => `${s(p.name ?? p.agent)} is now ${s(p.stateLabel)}${p.reasonLabel ? ` (${p.reasonLabel})` : ''}`,
      'campaign.state': (p: P) => `Campaign ${s(p.campaign)} is now ${s(p.stateLabel)}`,
      'hours.override': (p: P) => `${s(p.by)} set ${s(p.schedule)} to ${s(p.stateLabel)}: ${s(p.reason)}`,
      'hours.cleared': (p: P) => `${s(p.by)} cleared the override of ${s(p.schedule)}`,
      'pbx.connection': (p: P) => `Phone system connection: ${s(p.state)}`,
      wrapup: (p: P) => `${s(p.agent)} wrapped up a call: ${s(p.disposition)}`,
    },
  },
  dispositions: { answered: 'answered', abandoned: 'abandoned', busy: 'busy', 'no-answer': 'no answer', failed: 'failed', voicemail: 'voicemail' },
  agent: {
    title: 'Agent console', notAgent: 'This identity is not an agent: sign in as an agent to use the console.', chooseAgent: 'Agent',
    state: 'Your state', login: 'Log in to my queues', logout: 'Log out', available: 'Available', pause: 'Pause', pauseReason: 'Pause reason', choose: 'Choose…',
    myQueues: 'My queues',
    incoming: 'Incoming call', onCall: 'On a call with', ended: 'Call ended', unknownCaller: 'Unknown caller', lookingUp: 'Looking up the caller…',
    company: 'Company', owner: 'Owner', openRecord: 'Open the HubSpot record', waited: (p: P) => `waited ${s(p.d)} in ${s(p.queue)}`,
    ivr: 'In the phone menu', noIvr: 'Came straight to the queue', pressed: (p: P) => `pressed ${s(p.d)}`, lastCalls: 'Last calls', noLastCalls: 'No earlier calls from this number',
    answerOnPhone: 'Answer on your phone', missed: 'Missed: the offer went to someone else or timed out', gone: 'The caller hung up',
    wrapUp: 'Wrap-up', wrapUpFor: (p: P) => `Call with ${s(p.caller)} (${s(p.d)})`, disposition: 'Disposition', notes: 'Notes (go onto the HubSpot call)', submit: 'Finish wrap-up',
    wrapped: 'Wrap-up saved and sent with the call to HubSpot.', wrappedLate: 'Wrap-up saved; the call had already been logged to HubSpot without it.', dispositionRequired: 'Pick a disposition',
    clickToCall: 'Call a number', number: 'Number', call: 'Call', calling: 'Calling: your phone rings first, then the number.',
  },
  reports: {
    title: 'Reports', queues: 'Queues', agents: 'Agents', campaigns: 'Campaigns', ivr: 'Phone menu (IVR)', from: 'From', to: 'To', interval: 'Interval', minutes: (p: P) => `${s(p.n)} min`,
    today: 'Today', yesterday: 'Yesterday', last7: 'Last 7 days', last30: 'Last 30 days', show: 'Show', exportCsv: 'Export CSV', exportXlsx: 'Export Excel', total: 'Total', noData: 'No data in this range',
    cols: {
      queue: 'Queue', start: 'Interval', offered: 'Offered', answered: 'Answered', abandoned: 'Abandoned', sl: 'SL %', asa: 'ASA (s)', aht: 'AHT (s)', longest: 'Longest wait (s)',
      agent: 'Agent', calls: 'Calls', ringNoAnswer: 'Rang, not answered', talk: 'Talk', wrap: 'Wrap-up', paused: 'Paused', occupancy: 'Occupancy %',
      campaign: 'Campaign', rows: 'Rows', attempts: 'Attempts', contacted: 'Contacted', contactRate: 'Contact rate %',
      flow: 'Flow', node: 'Step', visits: 'Visits', options: 'Options chosen', ended: 'Ended here', dropped: 'Hung up here',
    },
    chartQueue: 'Calls per interval', chartCampaign: 'Attempts per hour', series: { offered: 'Offered', answered: 'Answered', abandoned: 'Abandoned', sl: 'SL %', attempts: 'Attempts' },
    unavailable: 'Reports need the call history (PostgreSQL).',
  },
  search: {
    title: 'Call search', number: 'Number', from: 'From', to: 'To', queue: 'Queue', agent: 'Agent', disposition: 'Outcome', direction: 'Direction', campaign: 'Campaign', any: 'Any',
    search: 'Search', more: 'More results', none: 'No calls match', started: 'Started', talk: 'Talk', wait: 'Wait', open: 'Open',
    detail: 'Call', timeline: 'Timeline', recording: 'Recording', noRecording: 'No recording', back: 'Back to results',
    t: {
      started: (p: P) => `Call ${p.direction === 'outbound' ? 'to' : 'from'} ${s(p.number)} started`,
      step: (p: P) => `Phone menu: ${s(p.node)}${p.digits ? ` — pressed ${p.digits}` : ''}`,
      queued: (p: P) => `Waited in ${s(p.queue)} for ${s(p.wait)} s`,
      answered: (p: P) => `Answered by ${s(p.agent)}`,
      left: (p: P) => `Left the queue: ${s(p.outcome)}`,
      ended: (p: P) => `Ended: ${s(p.disposition)} (talk ${s(p.talk)} s)`,
      wrapUp: (p: P) => `Wrap-up: ${s(p.disposition)}`,
    },
  },
};

