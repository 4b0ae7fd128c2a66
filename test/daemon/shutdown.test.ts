/*
 * SIGTERM stops `vscpd run` cleanly: sessions get a final line, persistent variables written
 * just before are on disk, the process exits 0 and a new daemon finds everything again.
 */
import { describe, expect, it } from 'vitest';
import { VscpClient } from '../../runtime/tcpip/client.js';
import { TEST_PASSWORD, TEST_USER, baseConf, spawnDaemon } from '../support/daemon-harness.js';

describe('stopping the daemon', () => {
  it('closes sessions with a final line, flushes persistent variables and exits 0 on SIGTERM', async () => {
    const files = { 'vscpd.conf': baseConf('', { watch: false }) };
    const first = await spawnDaemon(files);
    const port = first.info.tcpip[0]!.port;
    const client = await VscpClient.connect({ host: '127.0.0.1', port });
    await client.login(TEST_USER, TEST_PASSWORD);
    await client.writeVariable({ name: 'kept1', type: 'int', value: '42', persistent: true });
    const closed = new Promise<string>((resolve) => client.onClose((e) => resolve(e.message)));
    expect(await first.stop()).toBe(0);
    // the client reports the server's last line with the close
    expect(await closed).toContain('-OK - Connection closed by server: daemon stopping.');
    expect(first.output()).toContain('vscpd stopped.');

    const second = await spawnDaemon({}, { dir: first.dir });
    const again = await VscpClient.connect({ host: '127.0.0.1', port: second.info.tcpip[0]!.port });
    await again.login(TEST_USER, TEST_PASSWORD);
    expect(await again.readValue('kept1')).toBe('42');
    again.close();
  });
});
