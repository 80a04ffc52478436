import assert from 'node:assert/strict';
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {cgroupDir, detectCgroupHierarchy, parseProcCgroups, readCgroupAt, readCgroups, type CgroupMemo, type CgroupSample} from '../../source/probe/cgroup.js';
import {Files, type FilesOptions} from '../../source/probe/files.js';
import type {Reason} from '../../source/probe/result.js';

const fixture = (name: string, options: FilesOptions = {}) => {
	const root = join(import.meta.dirname, '..', 'fixtures', name);
	return new Files({procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), ...options});
};

const byPath = (cgroups: CgroupSample[]) => new Map(cgroups.map(cgroup => [cgroup.path, cgroup]));

function read(files: Files, memo: CgroupMemo = {}) {
	const reading = readCgroups(files, {memo});
	assert.ok(reading.ok, JSON.stringify(reading));
	return reading.value;
}

describe('parseProcCgroups', () => {
	it('reads rows and skips the header', () => {
		const rows = parseProcCgroups('#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t11\t1\npids\t0\t1\t0\nbroken\n');
		assert.deepEqual(rows, [
			{name: 'memory', hierarchy: 4, cgroups: 11, enabled: true},
			{name: 'pids', hierarchy: 0, cgroups: 1, enabled: false},
		]);
	});
});

describe('detectCgroupHierarchy', () => {
	it('finds hybrid: v1 memory beside a cgroup2 mount (this machine)', () => {
		const files = fixture('cgroup-hybrid');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		assert.equal(hierarchy.value.mode, 'hybrid');
		assert.equal(hierarchy.value.version, 1);
		assert.equal(hierarchy.value.rootDir, files.sys('fs/cgroup/memory'));
		assert.equal(hierarchy.value.unifiedDir, files.sys('fs/cgroup/unified'));
	});

	it('finds v1 from /proc/mounts when there is no mountinfo', () => {
		const hierarchy = detectCgroupHierarchy(fixture('cgroup-v1'));
		assert.ok(hierarchy.ok);
		assert.equal(hierarchy.value.mode, 'v1');
		assert.equal(hierarchy.value.unifiedDir, null);
	});

	it('finds v2 when cgroup.controllers lists memory', () => {
		const files = fixture('cgroup-v2');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		assert.equal(hierarchy.value.mode, 'v2');
		assert.equal(hierarchy.value.version, 2);
		assert.equal(hierarchy.value.rootDir, files.sys('fs/cgroup'));
	});

	it('says none, and why, without a memory controller', () => {
		const none = detectCgroupHierarchy(fixture('cgroup-none'));
		assert.ok(none.ok);
		assert.equal(none.value.mode, 'none');
		assert.match(none.value.note ?? '', /without the memory controller/);
		const disabled = detectCgroupHierarchy(fixture('cgroup-disabled'));
		assert.ok(disabled.ok);
		assert.equal(disabled.value.mode, 'none');
		assert.match(disabled.value.note ?? '', /disabled/);
	});

	it('keeps the subtree a container sees as the mount root', () => {
		const hierarchy = detectCgroupHierarchy(fixture('cgroup-docker'));
		assert.ok(hierarchy.ok);
		assert.equal(hierarchy.value.mode, 'v1');
		assert.match(hierarchy.value.mountRoot, /^\/docker\/9c1e4b7d2a5f/);
	});

	it('fails with the reason when no mount table is readable', () => {
		const files = fixture('cgroup-hybrid', {deny: path => (path.endsWith('mountinfo') || path.endsWith('mounts') ? 'EACCES' : undefined)});
		assert.deepEqual(detectCgroupHierarchy(files).ok, false);
	});
});

describe('readCgroups', () => {
	it('reads the hybrid tree captured on this machine', () => {
		const reading = read(fixture('cgroup-hybrid'));
		assert.equal(reading.mode, 'hybrid');
		assert.equal(reading.truncated, false);
		assert.deepEqual(
			reading.cgroups.map(cgroup => cgroup.path),
			['/', '/process_api', '/process_api/13be26ef5248e3122467afbdaa3409e0', '/process_api/965b9f3c7f1b3e372608c3579361bc4f'],
		);
		const root = reading.cgroups[0]!;
		assert.equal(root.usageBytes, 292286464);
		assert.equal(root.limitBytes, null);
		assert.equal(root.highBytes, null);
		assert.equal(root.peakBytes, 772050944);
		assert.equal(root.stat?.anonBytes, 14204928);
		assert.equal(root.stat?.fileBytes, 278212608);
		assert.equal(root.pressure, null);
		assert.deepEqual(root.unreadable, {});
		for (const cgroup of reading.cgroups) assert.equal(typeof cgroup.stat?.kernelBytes, 'number');
	});

	it('reads v1 limits, the sentinel, failcnt and oom kills; dotted names are cgroups', () => {
		const cgroups = byPath(read(fixture('cgroup-v1')).cgroups);
		const limited = cgroups.get('/process_api/13be26ef5248e3122467afbdaa3409e0');
		assert.equal(limited?.limitBytes, 268435456);
		assert.deepEqual(limited?.events, {low: null, high: null, max: 7, oom: null, oomKill: 2, underOom: false});
		assert.equal(cgroups.get('/')?.limitBytes, null);
		assert.ok(cgroups.has('/system.slice/cron.service'));
	});

	it('reads v2: max is unlimited, high, peak, events, PSI; the root has only stat and PSI', () => {
		const memo: CgroupMemo = {};
		const reading = read(fixture('cgroup-v2'), memo);
		assert.equal(reading.mode, 'v2');
		const cgroups = byPath(reading.cgroups);
		const root = cgroups.get('/');
		assert.equal(root?.usageBytes, null);
		assert.equal(root?.unreadable['memory.current'], 'ENOENT');
		assert.equal(root?.stat?.slabBytes, 67108864 + 41943040);
		assert.equal(root?.pressure?.some.totalUs, 8811203);

		assert.equal(cgroups.get('/system.slice/nginx.service')?.limitBytes, null);
		const docker = cgroups.get('/system.slice/docker-4f1c6e2b9a8d7c3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6.scope');
		assert.equal(docker?.usageBytes, 503316480);
		assert.equal(docker?.limitBytes, 536870912);
		assert.equal(docker?.highBytes, 483183616);
		assert.equal(docker?.peakBytes, 536866816);
		assert.deepEqual(docker?.events, {low: 0, high: 340, max: 12, oom: 1, oomKill: 1, underOom: null});
		assert.equal(docker?.pressure?.some.avg10, 3.51);
		assert.equal(docker?.stat?.sockBytes, 2097152);
		assert.equal(docker?.stat?.slabUnreclaimableBytes, 12582912);
		assert.equal(memo.pressure, 'ok');

		const legacy = cgroups.get('/system.slice/legacy.service');
		assert.equal(legacy?.peakBytes, null);
		assert.equal(legacy?.unreadable['memory.peak'], 'ENOENT');
		assert.equal(cgroups.get('/user.slice')?.limitBytes, 4294967296);
		// batch.service does not pass memory down: its worker is charged to it and is not listed.
		assert.ok(cgroups.has('/system.slice/batch.service'));
		assert.ok(!cgroups.has('/system.slice/batch.service/worker'));
		assert.equal(reading.cgroups.length, 10);
	});

	it('fails with the reason when there is no memory controller', () => {
		const none = readCgroups(fixture('cgroup-none'));
		assert.equal(none.ok, false);
		assert.equal(!none.ok && none.reason, 'ENOENT');
		assert.match((!none.ok && none.detail) || '', /memory controller/);
	});

	it('names cgroups by their kernel path inside a container that sees only its subtree', () => {
		const [own] = read(fixture('cgroup-docker')).cgroups;
		assert.equal(own?.path, '/docker/9c1e4b7d2a5f8e3b6c9d0a1f4e7b2c5d8a3f6e9b0c1d4a7e2f5b8c3d6e9f0a1b');
		assert.equal(own?.limitBytes, 536870912);
	});

	it('bounds depth and count, shallowest first, and says it did', () => {
		const files = fixture('cgroup-v2');
		const shallow = readCgroups(files, {maxDepth: 1});
		assert.ok(shallow.ok);
		assert.equal(shallow.value.truncated, true);
		assert.deepEqual(shallow.value.cgroups.map(c => c.path), ['/', '/init.scope', '/system.slice', '/user.slice']);
		const few = readCgroups(files, {maxCount: 2});
		assert.ok(few.ok);
		assert.equal(few.value.truncated, true);
		assert.equal(few.value.cgroups.length, 2);
	});

	it('reads peak, stat, events and PSI only for the largest cgroups when a detail limit is set', () => {
		const files = fixture('cgroup-v2');
		const memo: CgroupMemo = {};
		const first = readCgroups(files, {memo, detailLimit: 2});
		assert.ok(first.ok);
		// The first walk has no usage to rank by: the shallowest come first.
		assert.deepEqual(first.value.cgroups.filter(c => c.detailed).map(c => c.path), ['/', '/init.scope']);
		const brief = first.value.cgroups.find(c => c.path === '/user.slice');
		assert.equal(brief?.usageBytes, 2147483648);
		assert.equal(brief?.limitBytes, 4294967296);
		assert.deepEqual([brief?.peakBytes, brief?.stat, brief?.events, brief?.pressure], [null, null, null, null]);
		assert.deepEqual(brief?.unreadable, {});
		const second = readCgroups(files, {memo, detailLimit: 2});
		assert.ok(second.ok);
		// The v2 root has no usage figure, so the two largest are user.slice and its user-1000.slice.
		assert.deepEqual(second.value.cgroups.filter(c => c.detailed).map(c => c.path), ['/user.slice', '/user.slice/user-1000.slice']);
		assert.equal(second.value.cgroups.find(c => c.path === '/user.slice')?.peakBytes, 3221225472);
	});

	it('reports EACCES per file, and null never passes for unlimited', () => {
		const files = fixture('cgroup-v1', {deny: path => (path.endsWith('cron.service/memory.limit_in_bytes') || path.endsWith('process_api/memory.stat') ? 'EACCES' : undefined)});
		const cgroups = byPath(read(files).cgroups);
		const cron = cgroups.get('/system.slice/cron.service');
		assert.equal(cron?.limitBytes, null);
		assert.equal(cron?.unreadable['memory.limit_in_bytes'], 'EACCES');
		assert.equal(cgroups.get('/process_api')?.stat, null);
		assert.equal(cgroups.get('/process_api')?.unreadable['memory.stat'], 'EACCES');
	});

	it('fails with EACCES when the hierarchy root cannot be listed', () => {
		const files = fixture('cgroup-hybrid', {deny: path => (path.endsWith('fs/cgroup/memory') ? 'EACCES' : undefined)});
		const reading = readCgroups(files);
		assert.equal(!reading.ok && reading.reason, 'EACCES');
	});

	it('probes PSI once: after EOPNOTSUPP memory.pressure is never opened again', () => {
		const opened: string[] = [];
		const files = fixture('cgroup-v2', {
			deny: path => {
				if (!path.endsWith('memory.pressure')) return undefined;
				opened.push(path);
				return 'EOPNOTSUPP';
			},
		});
		const memo: CgroupMemo = {};
		const first = read(files, memo);
		assert.equal(opened.length, 1);
		assert.equal(memo.pressure, 'EOPNOTSUPP');
		assert.ok(first.cgroups.every(cgroup => cgroup.pressure === null));
		read(files, memo);
		read(files, memo);
		assert.equal(opened.length, 1);
	});

	it('reuses the detected hierarchy from the memo', () => {
		let mountReads = 0;
		const files = fixture('cgroup-v2', {
			deny: path => {
				if (path.endsWith('mountinfo')) mountReads++;
				return undefined;
			},
		});
		const memo: CgroupMemo = {};
		read(files, memo);
		read(files, memo);
		assert.equal(mountReads, 1);
	});

	it('lists the tree once while /proc/cgroups keeps its count, again when the count moves', () => {
		const copy = mkdtempSync(join(tmpdir(), 'leaktop-cgroup-'));
		try {
			cpSync(join(import.meta.dirname, '..', 'fixtures', 'cgroup-v1'), copy, {recursive: true});
			let listings = 0;
			const files = new Files({
				procRoot: join(copy, 'proc'),
				sysRoot: join(copy, 'sys'),
				deny: path => {
					// Only directories are opened without a control-file name.
					if (path.includes('/sys/') && !/^(memory|cgroup)\.|^(tasks|notify_on_release)$/.test(basename(path))) listings++;
					return undefined;
				},
			});
			const memo: CgroupMemo = {};
			const count = (reading: ReturnType<typeof readCgroups>) => (reading.ok ? reading.value.cgroups.length : -1);
			assert.equal(count(readCgroups(files, {memo})), 6);
			const perWalk = listings;
			assert.equal(count(readCgroups(files, {memo})), 6);
			assert.equal(listings, perWalk);

			mkdirSync(join(copy, 'sys/fs/cgroup/memory/system.slice/new.service'));
			writeFileSync(join(copy, 'sys/fs/cgroup/memory/system.slice/new.service/memory.usage_in_bytes'), '4096\n');
			const cgroupsFile = join(copy, 'proc/cgroups');
			writeFileSync(cgroupsFile, readFileSync(cgroupsFile, 'utf8').replace(/^memory\t4\t20\t1$/m, 'memory\t4\t21\t1'));
			assert.equal(count(readCgroups(files, {memo})), 7);
			assert.ok(listings > perWalk);
		} finally {
			rmSync(copy, {recursive: true, force: true});
		}
	});

	it('reads one cgroup by its path, and refuses paths outside the mount', () => {
		const files = fixture('cgroup-docker');
		const hierarchy = detectCgroupHierarchy(files);
		assert.ok(hierarchy.ok);
		const own = readCgroupAt(files, hierarchy.value, hierarchy.value.mountRoot);
		assert.ok(own.ok);
		assert.equal(own.value.usageBytes, 318767104);
		assert.equal(cgroupDir(hierarchy.value, '/docker/other'), null);
		assert.equal(readCgroupAt(files, hierarchy.value, '/').ok, false);
	});

	it('never throws whatever the filesystem answers', () => {
		const reasons: Reason[] = ['ENOENT', 'EACCES', 'ESRCH', 'EOPNOTSUPP', 'EIO'];
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...reasons)), {maxLength: 8}), fc.constantFrom('cgroup-v1', 'cgroup-v2', 'cgroup-hybrid', 'cgroup-docker', 'cgroup-none'), (denials, name) => {
				let call = 0;
				const denied = new Map(denials);
				const files = fixture(name, {deny: () => denied.get(call++)});
				const reading = readCgroups(files);
				if (reading.ok) JSON.stringify(reading.value);
			}),
			{numRuns: 200},
		);
	});
});
