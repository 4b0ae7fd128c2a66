/*
 * `vscpd run`: the daemon in the foreground, logging to stderr; SIGHUP reloads, SIGTERM and
 * SIGINT stop it cleanly (a second one stops it at once).
 */
import { resolve } from 'node:path';
import { ConfigurationError } from '../config/types.js';
import { Daemon } from '../daemon/daemon.js';
import { CONFIG_OPTION, type CliCommand, EXIT_FAILURE, EXIT_OK, configPath } from './command.js';
import { printableProblem } from './output.js';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run the daemon in the foreground',
  usage: '[-c FILE]',
  details: [
    'Logs go to stderr. Signals: SIGHUP reloads the configuration (and re-opens log files);',
    'SIGTERM/SIGINT stop the daemon cleanly. Edits of the files are applied as they are saved.',
    'Exit status: 0 after a clean stop, 1 when the configuration is invalid or start fails.',
  ].join('\n'),
  options: [CONFIG_OPTION],
  async run(ctx) {
    const { io } = ctx;
    const file = resolve(io.cwd, configPath(ctx));
    let daemon: Daemon;
    const onUncaught = (e: unknown) => {
      if (daemon?.handleUncaught(e)) return;
      io.stderr.write(`${new Date().toISOString()} ERROR daemon: Unexpected error (the daemon keeps running): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      daemon = await Daemon.start({ configFile: file, env: io.env as NodeJS.ProcessEnv });
    } catch (e) {
      if (e instanceof ConfigurationError) {
        for (const p of e.problems) io.stderr.write(`${printableProblem(p, io.cwd)}\n`);
        io.stderr.write(`vscpd: not started: the configuration is invalid (see above; \`vscpd check -c ${configPath(ctx)}\` shows the same)\n`);
      } else {
        io.stderr.write(`vscpd: not started: ${(e as Error).message}\n`);
      }
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      return EXIT_FAILURE;
    }
    return new Promise<number>((done) => {
      let signals = 0;
      const stop = (sig: string) => {
        if (++signals > 1) {
          io.stderr.write(`vscpd: ${sig} again, exiting at once\n`);
          process.exit(EXIT_FAILURE);
        }
        void daemon.stop('signal').then(() => {
          process.off('SIGHUP', hup);
          done(EXIT_OK);
        });
      };
      const hup = () => void daemon.reload('signal');
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', hup);
    });
  },
};
