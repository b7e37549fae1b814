// The calling extension's words, in both languages (one view, one file).
type P = Record<string, string>;
export const W = {
  es: {
    loading: 'Cargando…', signIn: 'Ingresar', signOut: 'Salir', username: 'Usuario', password: 'Contraseña', failed: 'Usuario o contraseña incorrectos.', tooMany: 'Demasiados intentos; espera un minuto.',
    notAgent: 'Ingresa con una cuenta de agente para llamar desde HubSpot.', phone: 'Teléfono del navegador', number: 'Número', call: 'Llamar',
    fromHubspot: (p: P) => `HubSpot: llamar a ${p.n}`, ringingYou: 'Suena tu teléfono: contesta para marcar', dialling: 'Llamando…', connected: (p: P) => `En llamada · ${p.t}`, hangup: 'Colgar',
    disposition: 'Resultado', choose: 'Elige…', notes: 'Notas', save: 'Guardar en HubSpot', dispositionRequired: 'Elige un resultado.',
    ended: { answered: 'Contestada', 'no-answer': 'No contestó', busy: 'Ocupado', failed: 'Falló', declined: 'Rechazada', voicemail: 'Buzón de voz' } as Record<string, string>,
    unexpectedEngagement: 'HubSpot creó un registro de llamada por su cuenta: avisa al administrador (centralita ya registra cada llamada).',
  },
  en: {
    loading: 'Loading…', signIn: 'Sign in', signOut: 'Sign out', username: 'Username', password: 'Password', failed: 'Wrong username or password.', tooMany: 'Too many attempts; wait a minute.',
    notAgent: 'Sign in with an agent account to call from HubSpot.', phone: 'Browser phone', number: 'Number', call: 'Call',
    fromHubspot: (p: P) => `HubSpot: call ${p.n}`, ringingYou: 'Your phone is ringing: answer it to dial', dialling: 'Calling…', connected: (p: P) => `On the call · ${p.t}`, hangup: 'Hang up',
    disposition: 'Outcome', choose: 'Choose…', notes: 'Notes', save: 'Save to HubSpot', dispositionRequired: 'Choose an outcome.',
    ended: { answered: 'Answered', 'no-answer': 'No answer', busy: 'Busy', failed: 'Failed', declined: 'Declined', voicemail: 'Voicemail' } as Record<string, string>,
    unexpectedEngagement: 'HubSpot created a call record by itself: tell your admin (centralita already logs every call).',
  },
};
