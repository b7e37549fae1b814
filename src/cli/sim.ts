import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createLogger } from '../logger.ts';
import { centralitaAmiUser, startSimulator } from '../sim/index.ts';
import type { Dialplan } from '../sim/types.ts';

// `centralita sim`: the simulated PBX stand-alone, for trying flows by "calling" them or for
// pointing another centralita (ARI_URL=...) at it.
export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description('run the simulated PBX (ARI on /ari, control API on /_sim) and print its URL and credentials')
    .option('--host <host>', 'listen address', '127.0.0.1')
    // Not 8088: that is a real Asterisk's ARI port (the lab's); 0 picks a free port, printed below.
    .option('--port <port>', 'listen port (default 0: a free port, printed as ARI_URL)', '0')
    .option('--user <user>', 'ARI user', 'centralita')
    .option('--password <password>', 'ARI password', 'centralita-sim')
    .option('--app <app>', 'Stasis app inbound calls are sent to', 'centralita')
    .option('--sounds <dir>', 'sounds directory (sounds/<lang>/<id>.wav)', 'sounds')
    .option('--recordings <dir>', 'where recordings are written (default: a temp dir)')
    .option('--dialplan <file>', 'dialplan JSON: {context: {exten: [steps]}}')
    .option('--speed <n>', 'simulated media time speed (1 = real time)', '1')
    .option('--channelvars <names>', 'ari.conf channelvars: comma-separated variables every channel snapshot carries')
    .option('--timings', 'record PBX-boundary timings (event sent -> command received), read at GET /_sim/timings')
    // AMI as FreePBX's manager_custom.conf gives it to centralita (same user, eventfilters, classes).
    .option('--ami-port <port>', 'also serve AMI (CEL, app_queue) on this port (0: a free port, printed as AMI_PORT)')
    .option('--ami-secret <secret>', 'the AMI user\'s secret (user: --user)', 'centralita-sim-ami')
    .action(async (o: { host: string; port: string; user: string; password: string; app: string; sounds: string; recordings?: string; dialplan?: string; speed: string; channelvars?: string; timings?: boolean; amiPort?: string; amiSecret: string }) => {
      const port = Number(o.port);
      const speed = Number(o.speed);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${o.port}`);
      if (!(speed > 0)) throw new Error(`--speed must be > 0, got ${o.speed}`);
      const dialplan = o.dialplan ? (JSON.parse(readFileSync(o.dialplan, 'utf8')) as Dialplan) : undefined;
      const amiPort = o.amiPort === undefined ? undefined : Number(o.amiPort);
      if (amiPort !== undefined && (!Number.isInteger(amiPort) || amiPort < 0 || amiPort > 65535)) throw new Error(`--ami-port must be 0..65535, got ${o.amiPort}`);
      const ami = amiPort === undefined ? undefined : { port: amiPort, users: [centralitaAmiUser(o.user, o.amiSecret)] };
      const logger = createLogger({ secrets: [o.password] });
      let sim: Awaited<ReturnType<typeof startSimulator>>;
      try {
        sim = await startSimulator({
          host: o.host, port, user: o.user, password: o.password, app: o.app, soundsDir: o.sounds, recordingsDir: o.recordings, dialplan, clockSpeed: speed, logger,
          channelvars: o.channelvars ? o.channelvars.split(',').map((v) => v.trim()).filter(Boolean) : undefined, timings: o.timings === true,
          ...(ami ? { ami } : {}),
        });
      } catch (err) {
        // One line with the fix, never a stack trace (8088 is often a real Asterisk's port).
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        console.error(`centralita sim: port ${port} on ${o.host} is already in use (an Asterisk, or another simulator?). Use --port <free port>, or --port 0 for any`);
        process.exit(1);
      }
      // Plain lines on stdout so scripts can read them.
      console.log(`ARI_URL=${sim.url}`);
      console.log(`ARI_USER=${o.user}`);
      console.log(`ARI_PASSWORD=${o.password}`);
      console.log(`ARI_APP=${o.app}`);
      console.log(`SIM_PID=${process.pid}`);
      if (sim.ami) console.log(`AMI_PORT=${sim.ami.port}`);
      console.log(`control API: ${sim.url}/_sim (POST /_sim/calls {"from","to"}${o.timings ? ', GET /_sim/timings' : ''})`);
      const stop = () => {
        void sim.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
