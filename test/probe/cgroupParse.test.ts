import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {
	parseCounter,
	parseKeyedCounters,
	parseLimitBytes,
	parseMemoryEvents,
	parseMemoryStat,
	parseOomControl,
	V1_UNLIMITED_BYTES,
	v1Events,
} from '../../source/probe/cgroupParse.js';
import {parseMountinfo, parseMounts, rootedMountPoint} from '../../source/probe/cgroupMounts.js';
import {Files} from '../../source/probe/files.js';

describe('parseLimitBytes', () => {
	it('reads v2 max and the v1 sentinel as unlimited', () => {
		assert.deepEqual(parseLimitBytes('max\n'), {ok: true, value: null});
		assert.deepEqual(parseLimitBytes('9223372036854771712\n'), {ok: true, value: null});
		assert.equal(V1_UNLIMITED_BYTES, 9223372036854771712);
	});

	it('treats anything from 2^62 up as unlimited (the sentinel depends on the page size)', () => {
		assert.deepEqual(parseLimitBytes('4611686018427387904'), {ok: true, value: null});
		assert.deepEqual(parseLimitBytes('9223372036854710272'), {ok: true, value: null});
		assert.deepEqual(parseLimitBytes('4611686018427383808'), {ok: true, value: 4611686018427383808});
	});

	it('reads a real limit in bytes', () => {
		assert.deepEqual(parseLimitBytes('268435456\n'), {ok: true, value: 268435456});
		assert.deepEqual(parseLimitBytes('0\n'), {ok: true, value: 0});
	});

	it('refuses what is not a limit instead of guessing', () => {
		assert.equal(parseLimitBytes('').ok, false);
		assert.equal(parseLimitBytes('-1').ok, false);
		assert.equal(parseLimitBytes('12k').ok, false);
		assert.deepEqual(parseLimitBytes(''), {ok: false, reason: 'EMPTY', detail: ''});
	});
});

describe('parseCounter', () => {
	it('reads one number, and says why when it cannot', () => {
		assert.deepEqual(parseCounter('260444160\n'), {ok: true, value: 260444160});
		assert.equal(parseCounter('max').ok, false);
		assert.equal(parseCounter('\n').ok, false);
	});
});

describe('parseMemoryStat', () => {
	it('maps v1 names and prefers the hierarchical total_ figures', () => {
		const text = 'cache 9453568\nrss 3715072\nshmem 9166848\ntotal_cache 250580992\ntotal_rss 9932800\ntotal_shmem 9166848\n';
		const stat = parseMemoryStat(text, 1);
		assert.equal(stat.anonBytes, 9932800);
		assert.equal(stat.fileBytes, 250580992);
		assert.equal(stat.shmemBytes, 9166848);
		assert.equal(stat.kernelBytes, null);
		assert.equal(stat.slabBytes, null);
		assert.equal(stat.sockBytes, null);
	});

	it('falls back to v1 local figures when there are no totals', () => {
		const stat = parseMemoryStat('cache 4096\nrss 8192\nshmem 0\n', 1);
		assert.deepEqual([stat.anonBytes, stat.fileBytes, stat.shmemBytes], [8192, 4096, 0]);
	});

	it('reads v2 names, sums slab when the kernel prints no slab line', () => {
		const text = 'anon 100\nfile 200\nkernel 300\npagetables 4\npercpu 5\nsock 6\nshmem 7\nslab_reclaimable 10\nslab_unreclaimable 20\n';
		assert.deepEqual(parseMemoryStat(text, 2), {
			anonBytes: 100,
			fileBytes: 200,
			kernelBytes: 300,
			slabBytes: 30,
			slabReclaimableBytes: 10,
			slabUnreclaimableBytes: 20,
			sockBytes: 6,
			shmemBytes: 7,
			pagetablesBytes: 4,
			percpuBytes: 5,
		});
	});

	it('leaves entries an older kernel lacks as null, not 0', () => {
		const stat = parseMemoryStat('anon 1\nfile 2\n', 2);
		assert.equal(stat.kernelBytes, null);
		assert.equal(stat.slabBytes, null);
		assert.equal(stat.percpuBytes, null);
	});

	it('drops a torn last line', () => {
		assert.equal(parseMemoryStat('anon 1\nfile 2', 2).fileBytes, null);
	});
});

describe('events', () => {
	it('reads v2 memory.events', () => {
		const events = parseMemoryEvents('low 0\nhigh 340\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
		assert.deepEqual(events, {low: 0, high: 340, max: 12, oom: 1, oomKill: 1, underOom: null});
	});

	it('builds v1 events from oom_control and failcnt', () => {
		const oom = parseOomControl('oom_kill_disable 1\nunder_oom 1\noom_kill 2\n');
		assert.deepEqual(oom, {oomKillDisable: true, underOom: true, oomKill: 2});
		assert.deepEqual(v1Events(oom, 7), {low: null, high: null, max: 7, oom: null, oomKill: 2, underOom: true});
	});

	it('knows oom_kill is absent before Linux 4.13', () => {
		assert.equal(parseOomControl('oom_kill_disable 0\nunder_oom 0\n').oomKill, null);
		assert.equal(v1Events(null, null).max, null);
	});
});

describe('mount tables', () => {
	it('reads mountinfo with the cgroup root and unescapes paths', () => {
		const [mount] = parseMountinfo('620 617 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid shared:4 master:15 - cgroup cgroup rw,memory\n');
		assert.deepEqual(mount, {root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'rw', 'memory']});
		assert.equal(parseMountinfo('1 2 0:3 / /mnt/a\\040b rw - tmpfs tmpfs rw\n')[0]?.mountPoint, '/mnt/a b');
	});

	it('reads /proc/mounts as mounts of the filesystem root', () => {
		const [mount] = parseMounts('cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n');
		assert.equal(mount?.root, '/');
		assert.ok(mount?.options.includes('memory'));
	});

	it('maps host mount points under the given roots', () => {
		const files = new Files({procRoot: '/fx/proc', sysRoot: '/fx/sys'});
		assert.equal(rootedMountPoint(files, '/sys/fs/cgroup/memory'), '/fx/sys/fs/cgroup/memory');
		assert.equal(rootedMountPoint(files, '/sys'), '/fx/sys');
		assert.equal(rootedMountPoint(files, '/cgroup/memory'), '/fx/cgroup/memory');
		assert.equal(rootedMountPoint(files, '/system'), '/fx/system');
		assert.equal(rootedMountPoint(new Files(), '/sys/fs/cgroup/memory'), '/sys/fs/cgroup/memory');
	});
});

describe('parsers never throw', () => {
	it('on arbitrary text', () => {
		fc.assert(
			fc.property(fc.string({maxLength: 400}), fc.constantFrom(1 as const, 2 as const), (text, version) => {
				parseLimitBytes(text);
				parseCounter(text);
				parseKeyedCounters(text);
				parseMemoryStat(text, version);
				parseMemoryEvents(text);
				parseOomControl(text);
				parseMountinfo(text);
				parseMounts(text);
			}),
		);
	});

	it('on line-shaped text built from the real keys', () => {
		const key = fc.constantFrom('anon', 'total_rss', 'slab', 'max', 'oom_kill', 'under_oom', '', ' ', '-');
		const value = fc.oneof(fc.nat().map(String), fc.constantFrom('max', '-1', '1e9', '9223372036854771712', ''));
		const line = fc.tuple(key, fc.constantFrom(' ', '  ', '\t', ''), value).map(parts => parts.join(''));
		fc.assert(
			fc.property(fc.array(line, {maxLength: 20}), lines => {
				const text = `${lines.join('\n')}\n`;
				for (const n of Object.values(parseMemoryStat(text, 1))) assert.ok(n === null || Number.isFinite(n));
				for (const n of Object.values(parseMemoryStat(text, 2))) assert.ok(n === null || Number.isFinite(n));
			}),
		);
	});
});
