import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import {appendFileSync, cpSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {toJsonReport} from '../../source/batch/json.js';
import {toTextReport} from '../../source/batch/text.js';
import {Files} from '../../source/probe/files.js';
import {LiveSource} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {capturedPids, copyFixture, fixturePath, realFiles, realRoots} from '../helpers/fixtures.js';

const clocks = () => {
	let t = 0;
	return {now: () => 1_800_000_000_000 + t, monotonic: () => (t += 2000)};
};

test('fixture tree end to end: LiveSource → Store → JSON report', () => {
	const source = new LiveSource({files: realFiles(), ...clocks()});
	const store = new Store({source});
	try {
		store.tick();
		store.tick();
		const snapshot = store.getSnapshot();
		const sample = snapshot.sample!;
		for (const name of ['meminfo', 'vmstat', 'stat', 'pressure', 'processes', 'pss', 'slabs']) assert.equal(sample.sources[name], 'ok', name);
		assert.equal(sample.host.hostname, 'vm');
		assert.equal(sample.processCount, Object.keys(capturedPids).length);
		assert.equal(sample.slabs!.length, 235);
		const report = toJsonReport(snapshot, 3)!;
		assert.equal(report.memory.total, 24683656 * 1024);
		assert.equal(report.processes.length, 3);
		assert.deepEqual(report.vmstat.bi, 0, 'the same files twice: zero rates, not n/a');
		assert.deepEqual(report.slabs.slice(0, 3).map(s => [s.name, s.sizeBytes]), [['ext4_inode_cache', 3536 * 4096], ['radix_tree_node', 1320 * 4096], ['dentry', 1005 * 4096]], 'largest cache first');
		assert.equal(report.slabs.find(s => s.name === 'pid')!.sizeBytes, 22 * 4096);
		const text = toTextReport(snapshot, 5);
		assert.match(text, /^leaktop - .* {2}vm {2}6\.18\.44-fc-v782 {2}up .* 8 processes$/m);
		assert.match(text, /a\) b \(c|python3/);
		assert.match(text, /no swap/);
	} finally {
		source.close();
	}
});

test('slabinfo unreadable (EACCES): slabs come from /sys/kernel/slab, merged caches once, and it is not retried', () => {
	const asked: string[] = [];
	const files = realFiles({
		deny: path => {
			if (path.endsWith('/slabinfo')) {
				asked.push(path);
				return 'EACCES';
			}
			return undefined;
		},
	});
	const source = new LiveSource({files, ...clocks()});
	try {
		const first = source.next();
		const second = source.next();
		assert.equal(asked.length, 1, 'probed once');
		assert.equal(first.sources.slabs, 'ok');
		assert.deepEqual(first.slabs!.map(s => s.name).sort(), ['cred', 'dentry', 'dmaengine-unmap-2', 'inode_cache', 'kmalloc-64']);
		assert.equal(second.slabs!.find(s => s.name === 'dmaengine-unmap-2')!.aliases.length, 6);
	} finally {
		source.close();
	}
});

test('a cache slabinfo shows and the slab topology does not know brings its refresh forward, once', () => {
	const proc = copyFixture('proc-real');
	const sys = copyFixture('sys-real');
	const slab = join(sys.root, 'kernel/slab');
	let walks = 0;
	let t = 0;
	const files = realFiles({procRoot: proc.root, sysRoot: sys.root, deny: path => void (path === slab && walks++)});
	const source = new LiveSource({files, now: () => 1_800_000_000_000 + t, monotonic: () => t});
	const tickAt = (ms: number) => {
		t = ms;
		return source.next();
	};
	try {
		tickAt(0);
		assert.equal(walks, 0, 'not before the first frame');
		tickAt(1000);
		assert.equal(walks, 1);
		// The fixture's sysfs holds 14 of slabinfo's 235 names: the rest bring one early refresh, 5 s on, and no more.
		for (let ms = 2000; ms <= 5000; ms += 1000) tickAt(ms);
		assert.equal(walks, 1, 'not sooner than 5 s after the last');
		tickAt(6000);
		assert.equal(walks, 2);
		for (let ms = 7000; ms <= 20_000; ms += 1000) tickAt(ms);
		assert.equal(walks, 2, 'names still unknown after a refresh do not bring another');

		// A module loads: its cache appears in sysfs and in slabinfo.
		cpSync(join(slab, 'dentry'), join(slab, 'zz_module_cache'), {recursive: true});
		writeFileSync(join(slab, 'zz_module_cache/reclaim_account'), '0\n');
		appendFileSync(join(proc.root, 'slabinfo'), 'zz_module_cache         50     50    320   25    2 : tunables    0    0    0 : slabdata      2      2      0\n');
		// Its two slabs of two pages move the kernel's slab total, as they would.
		addSlabKib(proc.root, 16);
		const seen = tickAt(21_000);
		assert.equal(seen.slabs!.find(s => s.name === 'zz_module_cache')!.reclaimable, null, 'not known yet');
		const placed = tickAt(22_000);
		assert.equal(walks, 3);
		assert.equal(placed.slabs!.find(s => s.name === 'zz_module_cache')!.reclaimable, false);
		// The slab total stands from here, so slabinfo is read every 5 s (27 s, 32 s… 82 s, 87 s), and the
		// topology with the first reading over 60 s after the last.
		for (let ms = 23_000; ms <= 86_000; ms += 1000) tickAt(ms);
		assert.equal(walks, 3);
		tickAt(87_000);
		assert.equal(walks, 4, 'the regular refresh, over 60 s after the last');
	} finally {
		source.close();
		proc.remove();
		sys.remove();
	}
});

/** meminfo with its slab total (Slab and SUnreclaim) moved by `kib`. */
function addSlabKib(procRoot: string, kib: number): void {
	const path = join(procRoot, 'meminfo');
	const moved = readFileSync(path, 'utf8').replace(/^(Slab|SUnreclaim):( +)(\d+) kB$/gm, (_line, name: string, gap: string, value: string) => `${name}:${gap}${Number(value) + kib} kB`);
	writeFileSync(path, moved);
}

test('slabinfo is read again when the slab total in meminfo moves, and at least every 5 s while it stands', () => {
	const proc = copyFixture('proc-real');
	let t = 0;
	const source = new LiveSource({files: realFiles({procRoot: proc.root}), now: () => 1_800_000_000_000 + t, monotonic: () => t});
	const slabinfo = join(proc.root, 'slabinfo');
	const dentryObjects = (count: number) => writeFileSync(slabinfo, readFileSync(slabinfo, 'utf8').replace(/^dentry( +)\d+/m, (_line, gap: string) => `dentry${gap}${count}`));
	const dentryAt = (ms: number) => {
		t = ms;
		return source.next().slabs!.find(s => s.name === 'dentry')!.activeObjs;
	};
	try {
		// The first reading has no slab topology, and the fixture's sysfs knows 14 of slabinfo's 235
		// caches: every tick reads until the others have brought the topology's refresh forward (6 s).
		for (let ms = 0; ms <= 6000; ms += 1000) {
			dentryObjects(1000 + ms);
			assert.equal(dentryAt(ms), 1000 + ms);
		}
		dentryObjects(1);
		assert.equal(dentryAt(7000), 7000, 'the slab total stood still: the last reading stands');
		assert.equal(dentryAt(10_999), 7000);
		assert.equal(dentryAt(11_000), 1, 'read again 5 s after the last reading');
		dentryObjects(2);
		addSlabKib(proc.root, 4);
		assert.equal(dentryAt(12_000), 2, 'the slab total moved: read at once');
		dentryObjects(3);
		assert.equal(dentryAt(13_000), 2);
		const meminfo = readFileSync(join(proc.root, 'meminfo'));
		writeFileSync(join(proc.root, 'meminfo'), '');
		assert.equal(dentryAt(14_000), 3, 'no slab total to go by: read every tick');
		dentryObjects(4);
		assert.equal(dentryAt(15_000), 4);
		writeFileSync(join(proc.root, 'meminfo'), meminfo);
		dentryObjects(5);
		assert.equal(dentryAt(16_000), 5);
		dentryObjects(6);
		assert.equal(dentryAt(17_000), 5);
		source.drill({kind: 'slab', name: 'dentry'});
		assert.equal(dentryAt(18_000), 6, 'a cache drilled into: read every tick');
		dentryObjects(7);
		assert.equal(dentryAt(19_000), 7);
	} finally {
		source.close();
		proc.remove();
	}
});

test('where lxcfs serves meminfo (the container\'s slab total), slabinfo (the host\'s) is read every tick', () => {
	// This machine's /proc and /sys/kernel/slab, seen from a docker container's cgroups and mounts.
	const proc = copyFixture('proc-real');
	cpSync(fixturePath('cgroup-docker/proc/self'), join(proc.root, 'self'), {recursive: true});
	const sys = copyFixture('cgroup-docker/sys');
	cpSync(fixturePath('sys-real/kernel'), join(sys.root, 'kernel'), {recursive: true, verbatimSymlinks: true});
	let t = 0;
	const source = new LiveSource({files: realFiles({procRoot: proc.root, sysRoot: sys.root}), now: () => 1_800_000_000_000 + t, monotonic: () => t});
	const slabinfo = join(proc.root, 'slabinfo');
	try {
		assert.equal(source.next().self?.container?.lxcfs, true);
		// Past the slab topology's early refresh (6 s), after which a machine's own meminfo would let readings stand.
		for (let ms = 1000; ms <= 15_000; ms += 1000) {
			writeFileSync(slabinfo, readFileSync(slabinfo, 'utf8').replace(/^dentry( +)\d+/m, (_line, gap: string) => `dentry${gap}${ms}`));
			t = ms;
			assert.equal(source.next().slabs!.find(s => s.name === 'dentry')!.activeObjs, ms);
		}
	} finally {
		source.close();
		proc.remove();
		sys.remove();
	}
});

test('not root: slabinfo and sysfs slab both denied → "EACCES" (needs root), the rest still reads', () => {
	const files = realFiles({deny: path => (path.endsWith('/slabinfo') || /kernel\/slab\/[^/]+\/[a-z_]+$/.test(path) ? 'EACCES' : undefined)});
	const source = new LiveSource({files, ...clocks()});
	try {
		const sample = source.next();
		assert.equal(sample.slabs, null);
		assert.equal(sample.sources.slabs, 'EACCES');
		assert.equal(sample.sources.meminfo, 'ok');
		const store = new Store({source});
		store.ingest(sample);
		assert.equal(toJsonReport(store.getSnapshot(), 20)!.sources.slabs, 'EACCES');
		assert.match(toTextReport(store.getSnapshot(), 20), /slabs: needs root/);
	} finally {
		source.close();
	}
});

test('missing and empty files: each probe says why, nothing throws, PSI is not retried', () => {
	const reads: string[] = [];
	const files = new Files({
		...realRoots,
		deny: path => {
			if (path.endsWith('/pressure/memory')) {
				reads.push(path);
				return 'ENOENT';
			}
			if (path.endsWith('/vmstat')) return 'EIO';
			return undefined;
		},
	});
	const source = new LiveSource({files, ...clocks()});
	try {
		source.next();
		const sample = source.next();
		assert.equal(reads.length, 1);
		assert.equal(sample.sources.pressure, 'ENOENT');
		assert.equal(sample.sources.vmstat, 'EIO');
		assert.equal(sample.vmstat, null);
		const store = new Store({source});
		store.ingest(sample);
		store.ingest(source.next());
		const report = toJsonReport(store.getSnapshot(), 20)!;
		assert.equal(report.vmstat.bi, null, 'n/a, not 0');
		assert.notEqual(report.vmstat.in, null, '/proc/stat still gives in/cs');
	} finally {
		source.close();
	}
	const empty = new LiveSource({files: new Files({procRoot: '/nonexistent', sysRoot: '/nonexistent'}), ...clocks()});
	const sample = empty.next();
	assert.equal(sample.meminfo, null);
	assert.equal(sample.sources.meminfo, 'ENOENT');
	assert.equal(sample.sources.processes, 'ENOENT');
	assert.equal(sample.sources.slabs, 'ENOENT');
	empty.close();
});

test('live machine: the first sample reads everything as root but PSS and slab aliases, which the second brings', () => {
	const source = new LiveSource();
	try {
		const sample = source.next();
		for (const name of ['meminfo', 'vmstat', 'stat', 'pressure', 'processes', 'pss', 'slabs']) assert.equal(sample.sources[name], 'ok', name);
		assert.ok(sample.processes.some(p => p.pid === process.pid && p.comm === 'node'));
		assert.equal(sample.processes.filter(p => p.pssBytes !== null).length, 0, 'no PSS before the first frame');
		assert.ok(sample.slabs!.every(s => s.aliases.length === 0), 'no /sys/kernel/slab walk before the first frame');
		const second = source.next();
		assert.ok(second.processes.filter(p => p.pssBytes !== null).length >= 1, 'some PSS within the budget');
		assert.ok(second.slabs!.some(s => s.aliases.length > 0), 'merged caches name their aliases');
	} finally {
		source.close();
	}
});

test('live machine: deferProcesses leaves processes and cgroups out of the next sample only (PENDING), the rest read as usual', () => {
	const source = new LiveSource();
	try {
		source.deferProcesses();
		const first = source.next();
		assert.deepEqual(first.processes, []);
		assert.equal(first.sources.processes, 'PENDING');
		assert.equal(first.sources.pss, 'PENDING');
		assert.equal(first.sources.cgroups, 'PENDING');
		assert.equal(first.cgroups, null);
		for (const name of ['meminfo', 'vmstat', 'stat', 'slabs']) assert.equal(first.sources[name], 'ok', name);
		assert.ok(first.meminfo!.MemTotal! > 0);
		const second = source.next();
		assert.equal(second.sources.processes, 'ok');
		assert.ok(second.processes.some(p => p.pid === process.pid));
		assert.equal(second.processCount, second.processes.length);
		assert.notEqual(second.sources.cgroups, 'PENDING');
	} finally {
		source.close();
	}
});

test('live machine: a process born or reaped between ticks shows or goes at the next tick (the listing is skipped only when the kernel counters stand still)', async () => {
	const source = new LiveSource();
	const pidsOf = () => new Set(source.next().processes.map(p => p.pid));
	try {
		pidsOf();
		pidsOf();
		for (let round = 0; round < 3; round++) {
			const child = spawn('sleep', ['600'], {stdio: 'ignore'});
			await once(child, 'spawn');
			assert.equal(pidsOf().has(child.pid!), true, `round ${round}: born`);
			assert.equal(pidsOf().has(child.pid!), true, `round ${round}: still there`);
			child.kill('SIGKILL');
			await once(child, 'exit');
			assert.equal(pidsOf().has(child.pid!), false, `round ${round}: reaped`);
		}
	} finally {
		source.close();
	}
});

test('the machine-wide files are kept open between ticks and read fresh each time; close gives every descriptor back', () => {
	const openFds = () => readdirSync('/proc/self/fd').length;
	const before = openFds();
	const source = new LiveSource({files: realFiles(), ...clocks()});
	try {
		source.deferProcesses();
		const first = source.next();
		const kept = openFds();
		assert.ok(kept > before, 'meminfo, vmstat, stat… held open');
		const second = source.next();
		assert.deepEqual(second.meminfo, first.meminfo);
		assert.deepEqual(second.vmstat, first.vmstat);
		assert.equal(second.slabs!.length, 235, 'slabinfo read whole through its kept descriptor');
		source.next();
		assert.ok(openFds() >= kept, 'the same descriptors (and the processes now), not new ones each tick');
	} finally {
		source.close();
	}
	assert.equal(openFds(), before);
});

test('live machine: vmstat and stat through kept descriptors follow the kernel (a fork in between is counted)', () => {
	const source = new LiveSource();
	try {
		source.deferProcesses();
		const first = source.next();
		const lines = readFileSync('/proc/vmstat', 'utf8').trim().split('\n').length;
		spawnSync('true');
		const second = source.next();
		assert.equal(Object.keys(second.vmstat!).length, lines, 'every vmstat line, past the first page of the seq_file');
		assert.ok(second.vmstat!.pgalloc_normal! >= first.vmstat!.pgalloc_normal!);
		assert.ok(second.stat!.forks! > first.stat!.forks!, 'a process was forked in between: a fresh read, not a cached one');
		assert.equal(second.meminfo!.MemTotal, first.meminfo!.MemTotal);
	} finally {
		source.close();
	}
});
