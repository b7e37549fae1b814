// Titles and body lines of call engagements, in the portal's language, in the words a sales or
// support person uses (no node ids, flow versions or record ids). Pure.
export type Lang = 'es' | 'en';

export function duration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

const T = {
  es: {
    inFrom: (who: string) => `Llamada entrante de ${who}`,
    outTo: (who: string) => `Llamada a ${who}`,
    missedFrom: (who: string) => `Llamada perdida de ${who}`,
    voicemailFrom: (who: string) => `Mensaje de voz de ${who}`,
    campaign: (c: string) => `Campaña ${c}`,
    answeredBy: (a: string) => `atendida por ${a}`,
    talkedWith: (a: string) => `habló con ${a}`,
    answeredOut: 'contestó',
    byMenu: 'atendida por el menú telefónico',
    hungUpAfter: (w: string) => `colgó tras esperar ${w}`,
    hungUpBefore: 'colgó antes de ser atendido',
    busy: 'ocupado', noAnswer: 'no contestó', reachedVoicemail: 'buzón de voz', failedIn: 'no se completó', failedOut: 'no se pudo conectar',
    anAgent: 'un agente',
    summaryAnswered: (a: string, q?: string) => `Atendida por ${a}${q ? ` (cola ${q})` : ''}.`,
    summaryMenu: 'La atendió el menú telefónico; no pasó a un agente.',
    summaryAbandoned: (w: string, q?: string) => `Nadie atendió: el cliente colgó tras esperar ${w}${q ? ` en la cola ${q}` : ''}.`,
    summaryAbandonedNoWait: 'Nadie atendió: el cliente colgó antes de ser atendido.',
    summaryVoicemailIn: (d?: string) => `El cliente dejó un mensaje de voz${d ? ` de ${d}` : ''}.`,
    summaryOut: { answered: 'El cliente contestó.', busy: 'La línea estaba ocupada.', declined: 'El cliente rechazó la llamada.', 'no-answer': 'El cliente no contestó.', 'unknown-number': 'El número no existe.', voicemail: 'Se llegó al buzón de voz del cliente.', failed: 'La llamada no se pudo conectar.', abandoned: 'El cliente contestó y colgó en espera de un agente.' },
    summaryFailedIn: 'La llamada no se pudo completar.',
    times: (parts: string[]) => `Tiempos: ${parts.join(' · ')}`,
    menu: (d: string) => `menú ${d}`, wait: (d: string) => `espera ${d}`, talk: (d: string) => `conversación ${d}`,
    digits: (ds: string, more: number) => `Marcó en el menú: ${ds}${more ? ` (y ${more} opciones más)` : ''}`,
    campaignLine: (c: string, attempt?: number) => `Campaña: ${c}${attempt ? `, intento ${attempt}` : ''}.`,
    transferLine: (kind: 'blind' | 'attended', from: string, to: string, outcome: string, by?: string) =>
      `Transferencia ${kind === 'blind' ? 'directa' : 'con consulta'} de ${from} a ${to}: ${({ completed: 'completada', cancelled: 'cancelada', 'no-answer': 'sin respuesta, volvió a la cola', requeued: 'volvió a la cola', 'target-hung-up': 'el destino colgó', 'caller-left': 'el cliente colgó', failed: 'falló', pending: 'en curso' } as Record<string, string>)[outcome] ?? outcome}${by ? ` (atendida por ${by})` : ''}.`,
    listen: 'Escuchar la grabación', listenVoicemail: 'Escuchar el mensaje',
    others: (n: string) => `Otros contactos con el número ${n}: `,
    othersMore: (k: number) => ` y ${k} más`,
    noContact: (n: string) => `Ningún contacto de HubSpot tiene el número ${n}. centralita asociará esta llamada cuando el contacto exista.`,
    createdContact: (n: string) => `centralita creó este contacto para el número ${n}.`,
    reconciled: 'Asociada después de registrarla: cuando se registró, ningún contacto tenía este número.',
    hungUp: { caller: 'Colgó el cliente.', agent: 'Colgó el agente.', app: 'La llamada terminó en el sistema.', 'far-end': 'Colgó el cliente.', system: 'La llamada terminó en el sistema.', unknown: '' },
    truncated: '(resumen recortado)',
  },
  en: {
    inFrom: (who: string) => `Inbound call from ${who}`,
    outTo: (who: string) => `Call to ${who}`,
    missedFrom: (who: string) => `Missed call from ${who}`,
    voicemailFrom: (who: string) => `Voicemail from ${who}`,
    campaign: (c: string) => `Campaign ${c}`,
    answeredBy: (a: string) => `answered by ${a}`,
    talkedWith: (a: string) => `talked with ${a}`,
    answeredOut: 'answered',
    byMenu: 'handled by the phone menu',
    hungUpAfter: (w: string) => `hung up after waiting ${w}`,
    hungUpBefore: 'hung up before anyone answered',
    busy: 'busy', noAnswer: 'no answer', reachedVoicemail: 'reached voicemail', failedIn: 'could not be completed', failedOut: 'could not connect',
    anAgent: 'an agent',
    summaryAnswered: (a: string, q?: string) => `Answered by ${a}${q ? ` (${q} queue)` : ''}.`,
    summaryMenu: 'Handled by the phone menu; it did not reach an agent.',
    summaryAbandoned: (w: string, q?: string) => `Nobody answered: the customer hung up after waiting ${w}${q ? ` in the ${q} queue` : ''}.`,
    summaryAbandonedNoWait: 'Nobody answered: the customer hung up before anyone answered.',
    summaryVoicemailIn: (d?: string) => `The customer left a voicemail${d ? ` of ${d}` : ''}.`,
    summaryOut: { answered: 'The customer answered.', busy: 'The line was busy.', declined: 'The customer declined the call.', 'no-answer': 'The customer did not answer.', 'unknown-number': 'The number does not exist.', voicemail: "Reached the customer's voicemail.", failed: 'The call could not connect.', abandoned: 'The customer answered and hung up waiting for an agent.' },
    summaryFailedIn: 'The call could not be completed.',
    times: (parts: string[]) => `Times: ${parts.join(' · ')}`,
    menu: (d: string) => `phone menu ${d}`, wait: (d: string) => `wait ${d}`, talk: (d: string) => `talk ${d}`,
    digits: (ds: string, more: number) => `Pressed in the menu: ${ds}${more ? ` (and ${more} more)` : ''}`,
    campaignLine: (c: string, attempt?: number) => `Campaign: ${c}${attempt ? `, attempt ${attempt}` : ''}.`,
    transferLine: (kind: 'blind' | 'attended', from: string, to: string, outcome: string, by?: string) =>
      `${kind === 'blind' ? 'Blind' : 'Attended'} transfer from ${from} to ${to}: ${({ completed: 'completed', cancelled: 'cancelled', 'no-answer': 'not answered, back to the queue', requeued: 'back to the queue', 'target-hung-up': 'the target hung up', 'caller-left': 'the customer hung up', failed: 'failed', pending: 'in progress' } as Record<string, string>)[outcome] ?? outcome}${by ? ` (answered by ${by})` : ''}.`,
    listen: 'Listen to the recording', listenVoicemail: 'Listen to the message',
    others: (n: string) => `Other contacts with ${n}: `,
    othersMore: (k: number) => ` and ${k} more`,
    noContact: (n: string) => `No HubSpot contact has ${n}. centralita will associate this call once the contact exists.`,
    createdContact: (n: string) => `centralita created this contact for ${n}.`,
    reconciled: 'Associated after it was logged: no contact had this number when the call was logged.',
    hungUp: { caller: 'The customer hung up.', agent: 'The agent hung up.', app: 'The call ended in the system.', 'far-end': 'The customer hung up.', system: 'The call ended in the system.', unknown: '' },
    truncated: '(summary shortened)',
  },
} as const;

export type CallText = (typeof T)['es'] | (typeof T)['en'];
export const callText = (lang: Lang): CallText => T[lang];
