#!/usr/bin/env node
// An external driver program as the original Level II drivers worked: log in to the daemon's
// TCP/IP interface with the credentials from the environment, read its variable, send an
// event, and print every event it receives. Used by the exec driver tests.
import net from 'node:net';

const { VSCPD_HOST, VSCPD_PORT, VSCPD_USER, VSCPD_PASSWORD, VSCPD_PREFIX, VSCPD_SETTING_ZONE } = process.env;
const socket = net.connect(Number(VSCPD_PORT), VSCPD_HOST);
let buffer = '';
const waiting = [];
socket.setEncoding('utf8');
socket.on('data', (d) => {
  buffer += d;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).replace(/\r$/, '');
    buffer = buffer.slice(nl + 1);
    if (waiting.length) waiting[0](line);
    else if (line && !line.startsWith('+OK')) console.log(`got ${line}`);
  }
});
/** Sends a command and collects lines up to its +OK/-OK. */
function command(text) {
  return new Promise((resolve) => {
    const lines = [];
    waiting.push((line) => {
      lines.push(line);
      if (line.startsWith('+OK') || line.startsWith('-OK')) {
        waiting.shift();
        resolve(lines);
      }
    });
    if (text !== null) socket.write(text + '\r\n');
  });
}
process.on('SIGTERM', () => {
  console.log('stopping');
  socket.end('QUITLOOP\r\nQUIT\r\n');
  setTimeout(() => process.exit(0), 50);
});
console.log(`pid ${process.pid}`);
await command(null); // banner
const user = await command(`USER ${VSCPD_USER}`);
const pass = await command(`PASS ${VSCPD_PASSWORD}`);
if (!pass.at(-1).startsWith('+OK')) {
  console.error(`login failed: ${user.at(-1)} / ${pass.at(-1)}`);
  process.exit(2);
}
const value = await command(`VAR READVALUE ${VSCPD_PREFIX}_greeting`);
const greeting = value.length > 1 ? Buffer.from(value[0], 'base64').toString('utf8') : '';
console.log(`greeting ${greeting}`);
await command(`SEND 0,20,3,,,,-,${greeting.length},${Number(VSCPD_SETTING_ZONE ?? 0)},0`);
await command('RCVLOOP');
