/*
 * The commands of `vscpd`, in the order `vscpd --help` lists them. A new command is one file
 * exporting a CliCommand plus one entry here.
 */
import { checkCommand } from './check.js';
import type { CliCommand } from './command.js';
import { passwdCommand } from './passwd.js';
import { showCommand } from './show.js';

export const COMMANDS: readonly CliCommand[] = [
  checkCommand,
  showCommand,
  passwdCommand,
];
