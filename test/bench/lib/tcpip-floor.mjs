// The floor of the TCP/IP benchmark: the least a server can do for the same load, to show
// what this machine allows. It speaks just enough of the protocol for the load generators:
// banner, USER/PASS (any), RCVLOOP, and SEND answered with +OK and forwarded as is to every
// other connection in RCVLOOP. No parsing, no bus, no queues. Same IPC as tcpip-server.mjs.
import { createServer } from 'node:net';

const OK = Buffer.from('+OK - Success.\r\n');
const looping = new Set();
const server = createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => undefined);
  s.on('close', () => looping.delete(s));
  s.write('Welcome to the VSCP daemon.\r\nVersion: floor\r\nCopyright\r\n+OK - Success.\r\n');
  let partial = '';
  s.on('data', (chunk) => {
    const text = partial + chunk.toString('latin1');
    let start = 0;
    let nl;
    let replies = '';
    let events = '';
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const line = text.slice(start, nl + 1);
      start = nl + 1;
      if (line.startsWith('SEND ')) {
        replies += '+OK - Success.\r\n';
        events += '0,20,3,1,,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00,' + line.slice(line.lastIndexOf('-,') + 2);
      } else if (line.startsWith('USER')) replies += '+OK - User name accepted, password please\r\n';
      else if (line.startsWith('RCVLOOP')) {
        replies += '+OK - Receive loop entered. QUITLOOP to terminate.\r\n';
        looping.add(s);
      } else replies += OK.toString();
    }
    partial = text.slice(start);
    if (replies) s.write(replies);
    if (events) for (const r of looping) if (r !== s) r.write(events);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.address().port, user: 'floor', password: 'floor' });
});
process.on('message', (m) => {
  if (m.cmd === 'stats') {
    const mem = process.memoryUsage();
    process.send({ stats: { rss: mem.rss, heapUsed: mem.heapUsed, sessions: 0, totals: { dropped: { queue_full: 0 } } } });
  }
  if (m.cmd === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
