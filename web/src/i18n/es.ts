// Mensajes en español: las mismas claves que en.ts (el tipo Messages lo comprueba).
import type { Messages } from './en.ts';

type P = Record<string, string | number | undefined>;
const s = (v: unknown) => (v === undefined || v === null || v === '' ? '—' : String(v));

export const es: Messages = {
  appName: 'centralita',
  skipToContent: 'Saltar al contenido',
  nav: { wallboard: 'Tablero', agent: 'Consola de agente', reports: 'Informes', calls: 'Buscar llamadas', main: 'Principal' },
  lang: { label: 'Idioma', es: 'Español', en: 'English' },
  tv: { on: 'Modo pantalla de pared', off: 'Salir del modo pantalla' },
  conn: { connecting: 'Conectando…', live: 'En vivo', reconnecting: 'Reconectando…', offline: 'Sin conexión' },
  signIn: {
    title: 'Iniciar sesión', username: 'Usuario', password: 'Contraseña', submit: 'Entrar', signingIn: 'Entrando…',
    failed: 'Usuario o contraseña incorrectos.', tooMany: 'Demasiados intentos; espere un minuto.', signOut: 'Cerrar sesión', signedInAs: (p: P) => `Sesión de ${s(p.name)}`,
  },
  common: {
    none: 'Ninguno', loading: 'Cargando…', error: 'Algo salió mal', retry: 'Reintentar', cancel: 'Cancelar', confirm: 'Confirmar', close: 'Cerrar', save: 'Guardar',
    yes: 'Sí', no: 'No', seconds: 's', notAllowed: 'Su rol no puede ver esta página.', unknown: 'Desconocido',
  },
  kpi: { callsToday: 'Llamadas hoy', answered: 'Atendidas', abandoned: 'Abandonadas', live: 'Llamadas en curso', waiting: 'En espera', agentsAvailable: 'Disponibles', agentsOnCall: 'En llamada', agentsWrap: 'Cierre', agentsPaused: 'En pausa', fromHistory: 'hoy, del historial de llamadas', sinceStart: 'desde que arrancó la aplicación' },
  queue: {
    title: 'Colas', waiting: 'En espera', longest: 'Espera más larga', offered: 'Ofrecidas', answered: 'Atendidas', abandoned: 'Abandonadas', sl: 'Nivel de servicio', slWithin: (p: P) => `atendidas en ${s(p.sec)} s o menos`,
    asa: 'TME', aht: 'TMO', staffed: 'Conectados', available: 'Disponibles', none: 'No hay colas que mostrar',
  },
  agents: {
    title: 'Agentes', name: 'Agente', state: 'Estado', inState: 'Tiempo en el estado', call: 'Llamada actual', queues: 'Colas', callsToday: 'Llamadas hoy', aht: 'TMO', none: 'No hay agentes',
    states: { loggedOut: 'Desconectado', available: 'Disponible', ringing: 'Timbrando', onCall: 'En llamada', wrapUp: 'Cierre', paused: 'En pausa' },
  },
  waiting: { title: 'Clientes en espera', position: 'Posición', queue: 'Cola', caller: 'Llamante', wait: 'Esperando', none: 'Nadie está esperando', phases: { waiting: 'esperando', ringing: 'ofrecida a un agente', retry: 'reintentando' } },
  calls: { title: 'Llamadas en curso', caller: 'Llamante', flow: 'Flujo', node: 'Paso', queue: 'Cola', agent: 'Agente', duration: 'Duración', none: 'No hay llamadas ahora', inbound: 'entrante', outbound: 'saliente' },
  campaigns: {
    title: 'Campañas', state: 'Estado', progress: 'Avance', pace: 'Ritmo', perMin: (p: P) => `${s(p.n)} / min`, limit: (p: P) => `máx. ${s(p.cps)}/s, ${s(p.conc)} a la vez`,
    done: (p: P) => `${s(p.done)} de ${s(p.total)} terminadas`, dialling: (p: P) => `${s(p.n)} marcando`, none: 'No hay campañas',
    pause: 'Pausar', resume: 'Reanudar', cancel: 'Cancelar',
    confirmPause: (p: P) => `¿Pausar la campaña ${s(p.id)}? No se marcan llamadas nuevas hasta reanudarla.`,
    confirmResume: (p: P) => `¿Reanudar la campaña ${s(p.id)}?`,
    confirmCancel: (p: P) => `¿Cancelar la campaña ${s(p.id)}? No se puede deshacer: las filas aún sin llamar nunca se llamarán.`,
    states: { active: 'Activa', paused: 'En pausa', cancelled: 'Cancelada', completed: 'Terminada' },
    outcomes: { answered: 'Contestó', voicemail: 'Buzón de voz', busy: 'Ocupado', 'no-answer': 'No contestó', failed: 'Falló', cancelled: 'Cancelada', expired: 'Vencida', 'do-not-call': 'No llamar' },
  },
  hours: {
    title: 'Horario de atención', open: 'Abierto', closed: 'Cerrado', until: (p: P) => `hasta ${s(p.at)}`, next: (p: P) => `${s(p.state)} a las ${s(p.at)}`,
    reasons: { weekly: 'Horario semanal', holiday: 'Festivo', date: 'Fecha especial', override: 'Excepción' },
    overrideBy: (p: P) => `Excepción de ${s(p.by)}: ${s(p.reason)}, hasta ${s(p.at)}`,
    setOverride: 'Poner una excepción', clearOverride: 'Quitar la excepción', forceOpen: 'Forzar abierto', forceClosed: 'Forzar cerrado', reason: 'Motivo', expiry: 'Por cuánto tiempo',
    minutes: (p: P) => `${s(p.n)} minutos`, hoursN: (p: P) => `${s(p.n)} horas`, untilNext: 'Hasta el próximo cambio del horario', untilTime: 'Hasta una fecha y hora', apply: 'Aplicar la excepción',
    reasonRequired: 'Indique un motivo', expiryRequired: 'Elija cuándo termina la excepción', confirmClear: (p: P) => `¿Quitar la excepción de ${s(p.id)}? Vuelve a decidir solo el horario.`, none: 'No hay horarios',
  },
  log: {
    title: 'Eventos en vivo', none: 'Nada todavía',
    kinds: {
      'call.started': (p: P) => `Llamada ${p.direction === 'outbound' ? 'a' : 'de'} ${s(p.caller)} entró al flujo ${s(p.flow)}`,
      'call.ended': (p: P) => `Terminó la llamada ${p.direction === 'outbound' ? 'a' : 'de'} ${s(p.caller)}: ${s(p.disposition)}${p.agent ? ` (${p.agent})` : ''}`,
      'queue.join': (p: P) => `${s(p.caller)} espera en ${s(p.queue)} (posición ${s(p.position)})`,
      'queue.answer': (p: P) => `${s(p.agent)} atendió a ${s(p.caller)} en ${s(p.queue)} tras ${s(p.wait)} s`,
      'queue.abandon': (p: P) => `${s(p.caller)} colgó tras esperar ${s(p.wait)} s en ${s(p.queue)}`,
      'queue.timeout': (p: P) => `${s(p.caller)} esperó el máximo permitido en ${s(p.queue)} (${s(p.wait)} s)`,
      'queue.exit': (p: P) => `${s(p.caller)} salió de ${s(p.queue)} con la tecla de salida tras ${s(p.wait)} s`,
      'queue.reject': (p: P) => `${s(p.caller)} no pudo entrar a ${s(p.queue)} (${s(p.why)})`,
      'agent.state': (p: P) => `${s(p.name ?? p.agent)} ahora está ${s(p.stateLabel)}${p.reasonLabel ? ` (${p.reasonLabel})` : ''}`,
      'campaign.state': (p: P) => `La campaña ${s(p.campaign)} ahora está ${s(p.stateLabel)}`,
      'hours.override': (p: P) => `${s(p.by)} puso ${s(p.schedule)} en ${s(p.stateLabel)}: ${s(p.reason)}`,
      'hours.cleared': (p: P) => `${s(p.by)} quitó la excepción de ${s(p.schedule)}`,
      'pbx.connection': (p: P) => `Conexión con la central telefónica: ${s(p.state)}`,
      wrapup: (p: P) => `${s(p.agent)} cerró una llamada: ${s(p.disposition)}`,
    },
  },
  dispositions: { answered: 'atendida', abandoned: 'abandonada', busy: 'ocupado', 'no-answer': 'no contestó', failed: 'falló', voicemail: 'buzón de voz' },
  agent: {
    title: 'Consola de agente', notAgent: 'Esta identidad no es un agente: inicie sesión como agente para usar la consola.', chooseAgent: 'Agente',
    state: 'Su estado', login: 'Conectarme a mis colas', logout: 'Desconectarme', available: 'Disponible', pause: 'Pausa', pauseReason: 'Motivo de la pausa', choose: 'Elija…',
    myQueues: 'Mis colas',
    incoming: 'Llamada entrante', onCall: 'En llamada con', ended: 'Llamada terminada', unknownCaller: 'Llamante desconocido', lookingUp: 'Buscando al llamante…',
    company: 'Empresa', owner: 'Propietario', openRecord: 'Abrir la ficha en HubSpot', waited: (p: P) => `esperó ${s(p.d)} en ${s(p.queue)}`,
    ivr: 'En el menú telefónico', noIvr: 'Pasó directo a la cola', pressed: (p: P) => `marcó ${s(p.d)}`, lastCalls: 'Últimas llamadas', noLastCalls: 'No hay llamadas anteriores de este número',
    answerOnPhone: 'Conteste en su teléfono', missed: 'Perdida: la llamada pasó a otro agente o se agotó el tiempo', gone: 'El llamante colgó',
    wrapUp: 'Cierre de llamada', wrapUpFor: (p: P) => `Llamada con ${s(p.caller)} (${s(p.d)})`, disposition: 'Tipificación', notes: 'Notas (van a la llamada en HubSpot)', submit: 'Terminar el cierre',
    wrapped: 'Cierre guardado y enviado con la llamada a HubSpot.', wrappedLate: 'Cierre guardado; la llamada ya se había registrado en HubSpot sin él.', dispositionRequired: 'Elija una tipificación',
    clickToCall: 'Llamar a un número', number: 'Número', call: 'Llamar', calling: 'Llamando: primero timbra su teléfono, luego el número.',
  },
  reports: {
    title: 'Informes', queues: 'Colas', agents: 'Agentes', campaigns: 'Campañas', ivr: 'Menú telefónico (IVR)', from: 'Desde', to: 'Hasta', interval: 'Intervalo', minutes: (p: P) => `${s(p.n)} min`,
    today: 'Hoy', yesterday: 'Ayer', last7: 'Últimos 7 días', last30: 'Últimos 30 días', show: 'Mostrar', exportCsv: 'Exportar CSV', exportXlsx: 'Exportar Excel', total: 'Total', noData: 'No hay datos en este rango',
    cols: {
      queue: 'Cola', start: 'Intervalo', offered: 'Ofrecidas', answered: 'Atendidas', abandoned: 'Abandonadas', sl: 'NS %', asa: 'TME (s)', aht: 'TMO (s)', longest: 'Espera máx. (s)',
      agent: 'Agente', calls: 'Llamadas', ringNoAnswer: 'Timbró sin contestar', talk: 'Conversación', wrap: 'Cierre', paused: 'Pausa', occupancy: 'Ocupación %',
      campaign: 'Campaña', rows: 'Filas', attempts: 'Intentos', contacted: 'Contactadas', contactRate: 'Tasa de contacto %',
      flow: 'Flujo', node: 'Paso', visits: 'Visitas', options: 'Opciones elegidas', ended: 'Terminaron aquí', dropped: 'Colgaron aquí',
    },
    chartQueue: 'Llamadas por intervalo', chartCampaign: 'Intentos por hora', series: { offered: 'Ofrecidas', answered: 'Atendidas', abandoned: 'Abandonadas', sl: 'NS %', attempts: 'Intentos' },
    unavailable: 'Los informes necesitan el historial de llamadas (PostgreSQL).',
  },
  search: {
    title: 'Buscar llamadas', number: 'Número', from: 'Desde', to: 'Hasta', queue: 'Cola', agent: 'Agente', disposition: 'Resultado', direction: 'Sentido', campaign: 'Campaña', any: 'Cualquiera',
    search: 'Buscar', more: 'Más resultados', none: 'Ninguna llamada coincide', started: 'Inicio', talk: 'Conversación', wait: 'Espera', open: 'Abrir',
    detail: 'Llamada', timeline: 'Línea de tiempo', recording: 'Grabación', noRecording: 'Sin grabación', back: 'Volver a los resultados',
    t: {
      started: (p: P) => `Empezó la llamada ${p.direction === 'outbound' ? 'a' : 'de'} ${s(p.number)}`,
      step: (p: P) => `Menú telefónico: ${s(p.node)}${p.digits ? ` — marcó ${p.digits}` : ''}`,
      queued: (p: P) => `Esperó en ${s(p.queue)} durante ${s(p.wait)} s`,
      answered: (p: P) => `La atendió ${s(p.agent)}`,
      left: (p: P) => `Salió de la cola: ${s(p.outcome)}`,
      ended: (p: P) => `Terminó: ${s(p.disposition)} (conversación ${s(p.talk)} s)`,
      wrapUp: (p: P) => `Cierre: ${s(p.disposition)}`,
    },
  },
};
