// Listening, with the two start-up failures a new user meets explained in one line each.
import type { FastifyInstance } from 'fastify';
import { CentralitaError } from '../errors.ts';

export async function listenOrExplain(app: FastifyInstance, at: { host: string; port: number }, hint = ''): Promise<string> {
  try {
    return await app.listen({ host: at.host, port: at.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CentralitaError('HTTP_PORT_IN_USE', `port ${at.port} on ${at.host} is already in use${hint}. Stop the other process, or set HTTP_PORT to a free port (HTTP_PORT=0 picks one)`, { cause: err });
    if (code === 'EACCES')
      throw new CentralitaError('HTTP_PORT_DENIED', `not allowed to listen on ${at.host}:${at.port} (ports below 1024 need privileges). Set HTTP_PORT=8080 or another port above 1023`, { cause: err });
    if (code === 'EADDRNOTAVAIL')
      throw new CentralitaError('HTTP_HOST_UNAVAILABLE', `HTTP_HOST=${at.host} is not an address of this machine. Use 127.0.0.1, or an address that \`ip addr\` lists`, { cause: err });
    throw err;
  }
}
