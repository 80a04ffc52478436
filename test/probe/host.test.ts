import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
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

test('page size: the first mapping of self/smaps states it (a 64 KiB-page kernel), read from the file\'s start only', () => {
	const root = mkdtempSync(join(tmpdir(), 'leaktop-host-'));
	try {
		mkdirSync(join(root, 'self'));
		const mapping = (start: number) =>
			[`${start.toString(16)}-${(start + 0x10000).toString(16)} r--p 00000000 fe:01 123 /usr/bin/node`, 'Size:                 64 kB', 'KernelPageSize:       64 kB', 'MMUPageSize:          64 kB', 'Rss:                  64 kB'].join('\n');
		// Thousands of mappings after the first: only the first is needed.
		writeFileSync(join(root, 'self', 'smaps'), `${Array.from({length: 5000}, (_, i) => mapping(0x400000 + i * 0x10000)).join('\n')}\n`);
		assert.equal(readHostFacts(new Files({procRoot: root})).pageSize, 65536);
	} finally {
		rmSync(root, {recursive: true, force: true});
	}
});
