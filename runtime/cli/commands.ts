/*
 * The commands of `vscpd`, in the order `vscpd --help` lists them. A new command is one file
 * exporting a CliCommand plus one entry here.
 */
import { checkCommand } from './check.js';
import type { CliCommand } from './command.js';
import { driversCommand } from './drivers.js';
import { passwdCommand } from './passwd.js';
import { planCommand } from './plan.js';
import { reloadCommand } from './reload.js';
import { runCommand } from './run.js';
import { showCommand } from './show.js';
import { statusCommand } from './status.js';

export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  checkCommand,
  statusCommand,
  planCommand,
  reloadCommand,
  showCommand,
  passwdCommand,
  driversCommand,
];
