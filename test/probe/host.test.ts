import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {Files} from '../../source/probe/files.js';
import {readHostFacts, readUptime} from '../../source/probe/host.js';
import {fixturePath, realFiles} from '../helpers/fixtures.js';

test('host facts from a captured /proc', () => {
	const host = readHostFacts(realFiles());
	assert.equal(host.hostname, 'vm');
	assert.equal(host.kernel, '6.18.44-fc-v782');
	assert.equal(host.cpuCount, 2, 'cpu0 and cpu1 lines, not the aggregate');
	assert.equal(host.bootId, readFileSync(fixturePath('proc-real', 'sys/kernel/random/boot_id'), 'utf8').trim());
	assert.equal(host.uptimeSec, Number.parseFloat(readFileSync(fixturePath('proc-real', 'uptime'), 'utf8')));
	assert.equal(host.pageSize, 4096, 'no self/smaps in the fixture: the common default');
});

test('host facts with nothing readable: "unknown", one cpu, no uptime, never a throw', () => {
	const host = readHostFacts(new Files({procRoot: fixturePath('no-such-proc')}));
	assert.deepEqual(host, {hostname: 'unknown', kernel: 'unknown', pageSize: 4096, cpuCount: 1, bootId: '', uptimeSec: null});
	const denied = readHostFacts(realFiles({deny: () => 'EACCES'}));
	assert.equal(denied.hostname, 'unknown');
	assert.equal(readUptime(realFiles({deny: () => 'EIO'})), null);
});

test('live: page size from /proc/self/smaps, the real hostname and kernel', () => {
	const host = readHostFacts(new Files());
	assert.equal(host.pageSize, 4096);
	assert.equal(host.hostname, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
	assert.equal(host.kernel, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
	assert.ok(host.uptimeSec !== null && host.uptimeSec > 0);
});
