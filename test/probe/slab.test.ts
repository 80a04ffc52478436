import assert from 'node:assert/strict';
import {cpSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import fc from 'fast-check';
import {annotateSlabs, firstInteger, parseSlabinfo, readSlabsFromSysfs, readSlabTopology, SlabinfoReader, unknownSlabNames} from '../../source/probe/slab.js';
import {copyFixture, fixturePath, realFiles} from '../helpers/fixtures.js';

const slabinfo = readFileSync(fixturePath('proc-real', 'slabinfo'), 'utf8');
const PAGE = 4096;
const merged64 = ['dmaengine-unmap-2', 'fanotify_path_event', 'iommu_iova', 'jbd2_inode', 'ksm_rmap_item', 'ksm_stable_node', 'xfs_defer_pending'];

test('a real /proc/slabinfo 2.1: one row per cache, sizes as slabtop computes them', () => {
	const parsed = parseSlabinfo(slabinfo, PAGE);
	assert.ok(parsed.ok);
	assert.equal(parsed.value.badLines, 0);
	assert.equal(parsed.value.slabs.length, slabinfo.trim().split('\n').length - 2);
	const dentry = parsed.value.slabs.find(s => s.name === 'dentry')!;
	assert.deepEqual(dentry, {
		name: 'dentry',
		activeObjs: 21105,
		numObjs: 21105,
		objSize: 192,
		objPerSlab: 21,
		pagesPerSlab: 1,
		activeSlabs: 1005,
		numSlabs: 1005,
		sizeBytes: 1005 * PAGE,
		aliases: [],
		reclaimable: null,
	});
	const inode = parsed.value.slabs.find(s => s.name === 'inode_cache')!;
	assert.equal(inode.sizeBytes, 87 * 2 * PAGE, 'order-1 slabs count two pages each');
});

test('slabinfo: version 1.x is refused politely, 2.0 is read, an empty file is no data', () => {
	const v1 = parseSlabinfo(slabinfo.replace('version: 2.1', 'version: 1.1'), PAGE);
	assert.equal(v1.ok, false);
	assert.ok(!v1.ok && v1.reason === 'PARSE' && /1\.1.*not supported/.test(v1.detail ?? ''));
	const v20 = parseSlabinfo(slabinfo.replace('version: 2.1', 'version: 2.0'), PAGE);
	assert.ok(v20.ok && v20.value.slabs.length > 200);
	const empty = parseSlabinfo('', PAGE);
	assert.ok(!empty.ok && empty.reason === 'EMPTY');
	const junk = parseSlabinfo('hello\n', PAGE);
	assert.ok(!junk.ok && junk.reason === 'PARSE');
});

test('slabinfo: bad lines are counted and skipped, a torn last line is dropped', () => {
	const lines = slabinfo.split('\n');
	lines.splice(5, 0, 'garbage line', 'kmalloc-9 1 2 3 : tunables 0 0 0 : slabdata 1 1 0', 'neg -1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 0');
	const parsed = parseSlabinfo(lines.join('\n'), PAGE);
	assert.ok(parsed.ok);
	assert.equal(parsed.value.badLines, 3);
	assert.equal(parsed.value.slabs.length, slabinfo.trim().split('\n').length - 2);
	const last = slabinfo.trimEnd().split('\n').at(-1)!;
	const torn = parseSlabinfo(slabinfo.slice(0, slabinfo.trimEnd().length - 10), PAGE);
	assert.ok(torn.ok);
	assert.equal(torn.value.badLines, 0, 'a cut line is not a bad line');
	assert.equal(torn.value.slabs.at(-1)!.name === last.split(/\s+/)[0], false);
	assert.equal(torn.value.slabs.length, slabinfo.trim().split('\n').length - 3);
});

test('sysfs counters lead with the total', () => {
	assert.equal(firstInteger('2093 N0=2093\n'), 2093);
	assert.equal(firstInteger('  7'), 7);
	assert.equal(firstInteger('N0=5'), null);
	assert.equal(firstInteger(''), null);
});

test('/sys/kernel/slab topology: alias symlinks grouped under their merged cache', () => {
	const topology = readSlabTopology(realFiles());
	assert.ok(topology.ok);
	const t = topology.value;
	assert.deepEqual([...t.namesByDir.keys()].sort(), [':0000064', ':A-0000192', 'dentry', 'inode_cache', 'kmalloc-64']);
	assert.deepEqual([...t.namesByDir.get(':0000064')!].sort(), merged64);
	assert.deepEqual([...t.namesByDir.get(':A-0000192')!].sort(), ['cred', 'pid']);
	assert.deepEqual(t.namesByDir.get('dentry'), ['dentry']);
	assert.equal(t.dirByName.get('iommu_iova'), ':0000064');
	assert.equal(t.reclaimable.get('dentry'), true);
	assert.equal(t.reclaimable.get(':0000064'), false);
});

test('slabinfo rows annotated with the other names of their merged cache', () => {
	const parsed = parseSlabinfo(slabinfo, PAGE);
	const topology = readSlabTopology(realFiles());
	assert.ok(parsed.ok && topology.ok);
	const rows = annotateSlabs(parsed.value.slabs, topology.value);
	const pid = rows.find(s => s.name === 'pid')!;
	assert.deepEqual(pid.aliases, ['cred']);
	assert.equal(pid.reclaimable, false);
	assert.deepEqual(rows.find(s => s.name === 'dmaengine-unmap-2')!.aliases, merged64.slice(1));
	assert.deepEqual(rows.find(s => s.name === 'dentry')!.aliases, []);
	assert.equal(rows.find(s => s.name === 'dentry')!.reclaimable, true);
	assert.equal(rows.find(s => s.name === 'vm_area_struct')!.reclaimable, null, 'not in this sysfs tree: unknown, not false');
});

test('slabinfo unreadable: the sysfs list has one row per merged cache, named by an alias, sizes as slabinfo', () => {
	const files = realFiles();
	const topology = readSlabTopology(files);
	assert.ok(topology.ok);
	const slabs = readSlabsFromSysfs(files, topology.value, PAGE);
	assert.ok(slabs.ok);
	assert.equal(slabs.value.length, 5, 'seven names of :0000064 make one row');
	const byName = new Map(slabs.value.map(s => [s.name, s]));
	const m64 = byName.get('dmaengine-unmap-2')!;
	assert.deepEqual(m64.aliases, merged64.slice(1));
	assert.equal(m64.activeObjs, 64);
	const dentry = byName.get('dentry')!;
	assert.deepEqual(
		[dentry.activeObjs, dentry.numObjs, dentry.objSize, dentry.objPerSlab, dentry.pagesPerSlab, dentry.numSlabs, dentry.sizeBytes, dentry.reclaimable],
		[21483, 21483, 192, 21, 1, 1023, 1023 * PAGE, true],
	);
	const inode = byName.get('inode_cache')!;
	assert.equal(inode.objSize, 624, "slabinfo's objsize is the slot size (slab_size), not object_size (616)");
	assert.equal(inode.pagesPerSlab, 2, 'order 1');
	assert.equal(byName.get('cred')!.objSize, 192);
	assert.ok(slabs.value.every(s => !s.name.startsWith(':')), 'never shown by its :0000064 id when it has a name');
});

test('sysfs slab attributes unreadable (not root): EACCES, not an empty list', () => {
	const files = realFiles({deny: path => (path.includes('/kernel/slab/') && !path.endsWith('/slab') && /\/(objects|slabs|slab_size|object_size|total_objects|objs_per_slab|order)$/.test(path) ? 'EACCES' : undefined)});
	const topology = readSlabTopology(files);
	assert.ok(topology.ok);
	const slabs = readSlabsFromSysfs(files, topology.value, PAGE);
	assert.ok(!slabs.ok && slabs.reason === 'EACCES');
	const gone = readSlabTopology(realFiles({sysRoot: fixturePath('no-such-sys')}));
	assert.ok(!gone.ok && gone.reason === 'ENOENT');
});

test('property: slabinfo parser never throws on arbitrary text or bytes', () => {
	const check = (text: string) => {
		const parsed = parseSlabinfo(text, PAGE);
		if (parsed.ok) for (const s of parsed.value.slabs) assert.ok(Number.isSafeInteger(s.sizeBytes) && s.sizeBytes >= 0);
		firstInteger(text);
	};
	fc.assert(fc.property(fc.string({unit: 'binary', maxLength: 300}), s => check(s)), {numRuns: 300});
	fc.assert(fc.property(fc.uint8Array({maxLength: 400}), bytes => check(`slabinfo - version: 2.1\n${Buffer.from(bytes).toString('utf8')}`)), {numRuns: 300});
	const row = fc
		.tuple(fc.string({maxLength: 10}), fc.array(fc.oneof(fc.nat(), fc.constant(':'), fc.constant('slabdata'), fc.constant('tunables'), fc.constant('-3')), {maxLength: 16}))
		.map(([name, rest]) => `${name} ${rest.join(' ')}`);
	fc.assert(fc.property(fc.array(row, {maxLength: 6}), rows => check(`slabinfo - version: 2.1\n${rows.join('\n')}\n`)), {numRuns: 300});
});

test('parsing with the last tick\'s rows: unchanged lines give back the same objects, the result equals a fresh parse', () => {
	const first = parseSlabinfo(slabinfo, PAGE);
	assert.ok(first.ok);
	const lines = slabinfo.split('\n');
	// One cache moved, one line garbled, the rest as before.
	const moved = lines.map(line => (line.startsWith('dentry ') ? line.replace(/^dentry +\d+/, 'dentry 1') : line.startsWith('kmalloc-64 ') ? 'kmalloc-64 garbled' : line)).join('\n');
	const again = parseSlabinfo(moved, PAGE, first.value.byLine);
	const fresh = parseSlabinfo(moved, PAGE);
	assert.ok(again.ok && fresh.ok);
	assert.deepEqual(again.value.slabs, fresh.value.slabs);
	assert.equal(again.value.badLines, fresh.value.badLines);
	assert.equal(again.value.slabs.find(s => s.name === 'dentry')!.activeObjs, 1);
	const reused = again.value.slabs.filter(s => first.value.slabs.includes(s)).length;
	assert.equal(reused, first.value.slabs.length - 2, 'every unchanged row is the same object');
	const topology = readSlabTopology(realFiles());
	assert.ok(topology.ok);
	const a = annotateSlabs(first.value.slabs, topology.value);
	const b = annotateSlabs(again.value.slabs, topology.value);
	assert.equal(b.find(s => s.name === 'kmem_cache'), a.find(s => s.name === 'kmem_cache'), 'an unchanged row comes back annotated as before');
});

test('property: SlabinfoReader, tick after tick, gives what parseSlabinfo gives for the decoded bytes, and last tick\'s row for an unchanged line', () => {
	const lines = slabinfo.split('\n');
	const edited = fc.array(fc.oneof(fc.constant(''), fc.constant('dentry 1 2 3 4 5 : t : slabdata 1 2 3'), fc.constant('# x'), fc.constant(' '), fc.constant('slabinfo - version: 1.1'), fc.string({maxLength: 12}), fc.uint8Array({maxLength: 12}).map(b => Buffer.from(b).toString('latin1'))), {maxLength: 4});
	// A tick: the real file with a few lines replaced, dropped or torn, or arbitrary bytes.
	const tick = fc.oneof(
		fc.tuple(fc.nat(lines.length), fc.nat(3), edited, fc.nat(40)).map(([at, drop, insert, tear]) => {
			const copy = [...lines];
			copy.splice(at, drop, ...insert);
			const text = copy.join('\n');
			return Buffer.from(tear === 0 ? text.slice(0, text.length >> 1) : text, 'latin1');
		}),
		fc.uint8Array({maxLength: 300}).map(bytes => Buffer.concat([Buffer.from('slabinfo - version: 2.1\n'), bytes])),
		fc.uint8Array({maxLength: 60}).map(bytes => Buffer.from(bytes)),
	);
	const unchanged = Buffer.from(slabinfo);
	fc.assert(
		fc.property(fc.array(tick, {minLength: 1, maxLength: 4}), ticks => {
			const reader = new SlabinfoReader(PAGE);
			for (const bytes of [unchanged, ...ticks, unchanged]) {
				// Read through a larger, dirty buffer, as the shared read buffer is.
				const buffer = Buffer.concat([bytes, Buffer.from('\nstale 1 2 3\n')]);
				const got = reader.parse(buffer, bytes.length);
				const want = parseSlabinfo(bytes.toString('utf8'), PAGE);
				if (!want.ok) assert.deepEqual(got, want);
				else assert.deepEqual(got, {ok: true, value: {slabs: want.value.slabs, badLines: want.value.badLines}});
			}
		}),
		{numRuns: 300},
	);
	const reader = new SlabinfoReader(PAGE);
	const first = reader.parse(unchanged, unchanged.length);
	const moved = Buffer.from(slabinfo.replace(/^dentry +\d+/m, 'dentry 1'));
	const again = reader.parse(moved, moved.length);
	assert.ok(first.ok && again.ok);
	const reused = again.value.slabs.filter(s => first.value.slabs.includes(s)).length;
	assert.equal(reused, first.value.slabs.length - 1, 'every unchanged row is the same object');
});

/** A Files on a private copy of sys-real that records every path it is asked for. */
function watchedSysCopy() {
	const copy = copyFixture('sys-real');
	const asked: string[] = [];
	const files = realFiles({sysRoot: copy.root, deny: path => void asked.push(path)});
	return {files, asked, slab: join(copy.root, 'kernel/slab'), remove: copy.remove};
}

const links = ['cred', 'pid', ...merged64];
const namedDirs = ['dentry', 'inode_cache', 'kmalloc-64'];

test('topology: links told from directories by the listing, so only links are readlinked and only named directories statted', () => {
	const {files, asked, slab, remove} = watchedSysCopy();
	try {
		const topology = readSlabTopology(files);
		assert.ok(topology.ok);
		const atTop = asked.filter(path => path.startsWith(`${slab}/`) && !path.slice(slab.length + 1).includes('/')).map(path => path.slice(slab.length + 1));
		assert.deepEqual(atTop.sort(), [...links, ...namedDirs].sort(), 'one call each: readlink of a link, stat of a named directory, none for `:` directories');
		assert.equal(asked.filter(path => path.endsWith('/reclaim_account')).length, 5, 'first read: every cache');
	} finally {
		remove();
	}
});

test('topology refresh: reclaim_account read only for caches new since the last read, the same topology found', () => {
	const {files, asked, slab, remove} = watchedSysCopy();
	try {
		const first = readSlabTopology(files);
		assert.ok(first.ok);
		asked.length = 0;
		const again = readSlabTopology(files, first.value);
		assert.ok(again.ok);
		assert.deepEqual(asked.filter(path => path.endsWith('/reclaim_account')), [], 'nothing new: no reclaim_account read');
		assert.deepEqual(again.value, first.value);
		const fresh = readSlabTopology(files);
		assert.ok(fresh.ok);
		assert.deepEqual(again.value, fresh.value, 'a refresh finds what a first read finds');

		// A module loaded: a new merged cache with an alias, and a new named cache.
		cpSync(join(slab, ':0000064'), join(slab, ':a-0000104'), {recursive: true});
		writeFileSync(join(slab, ':a-0000104/reclaim_account'), '1\n');
		symlinkSync(':a-0000104', join(slab, 'ext4_groupinfo_1k'));
		cpSync(join(slab, 'dentry'), join(slab, 'xfs_inode'), {recursive: true});
		asked.length = 0;
		const loaded = readSlabTopology(files, again.value);
		assert.ok(loaded.ok);
		assert.deepEqual(asked.filter(path => path.endsWith('/reclaim_account')).sort(), [join(slab, ':a-0000104/reclaim_account'), join(slab, 'xfs_inode/reclaim_account')]);
		assert.equal(loaded.value.reclaimable.get(':a-0000104'), true);
		assert.equal(loaded.value.reclaimable.get('xfs_inode'), true);
		assert.equal(loaded.value.dirByName.get('ext4_groupinfo_1k'), ':a-0000104');
		const loadedFresh = readSlabTopology(files);
		assert.ok(loadedFresh.ok);
		assert.deepEqual(loaded.value, loadedFresh.value);
	} finally {
		remove();
	}
});

test('topology refresh: a named cache destroyed and created again (a new directory) is read again; one unreadable last time too', () => {
	const {files, asked, slab, remove} = watchedSysCopy();
	try {
		const first = readSlabTopology(files);
		assert.ok(first.ok);
		assert.equal(first.value.reclaimable.get('dentry'), true);
		// The new directory is made before the old one goes, so it cannot get the old inode number back.
		cpSync(join(slab, 'dentry'), join(slab, 'dentry.new'), {recursive: true});
		writeFileSync(join(slab, 'dentry.new/reclaim_account'), '0\n');
		renameSync(join(slab, 'dentry'), join(slab, 'dentry.old'));
		renameSync(join(slab, 'dentry.new'), join(slab, 'dentry'));
		rmSync(join(slab, 'dentry.old'), {recursive: true});
		asked.length = 0;
		const recreated = readSlabTopology(files, first.value);
		assert.ok(recreated.ok);
		assert.deepEqual(asked.filter(path => path.endsWith('/reclaim_account')), [join(slab, 'dentry/reclaim_account')]);
		assert.equal(recreated.value.reclaimable.get('dentry'), false);

		const denied = readSlabTopology(realFiles({sysRoot: join(slab, '../..'), deny: path => (path.endsWith('inode_cache/reclaim_account') || path.endsWith(':0000064/reclaim_account') ? 'EACCES' : undefined)}));
		assert.ok(denied.ok);
		assert.equal(denied.value.reclaimable.has('inode_cache'), false);
		assert.equal(denied.value.reclaimable.has(':0000064'), false);
		asked.length = 0;
		const later = readSlabTopology(files, denied.value);
		assert.ok(later.ok);
		assert.deepEqual(asked.filter(path => path.endsWith('/reclaim_account')).sort(), [join(slab, ':0000064/reclaim_account'), join(slab, 'inode_cache/reclaim_account')], 'unknown last time: read again');
		assert.equal(later.value.reclaimable.get('inode_cache'), true);
		assert.equal(later.value.reclaimable.get(':0000064'), false);

		// No inode number to compare (stat denied): read again rather than trust the name.
		asked.length = 0;
		const noStat = readSlabTopology(realFiles({sysRoot: join(slab, '../..'), deny: path => (path === join(slab, 'kmalloc-64') ? 'EACCES' : void asked.push(path))}), later.value);
		assert.ok(noStat.ok);
		assert.deepEqual(asked.filter(path => path.endsWith('/reclaim_account')), [join(slab, 'kmalloc-64/reclaim_account')]);
		assert.equal(noStat.value.reclaimable.get('kmalloc-64'), false);
	} finally {
		remove();
	}
});

test('annotateSlabs: the names the topology does not place are listed once each, for an early refresh', () => {
	const parsed = parseSlabinfo(slabinfo, PAGE);
	const topology = readSlabTopology(realFiles());
	assert.ok(parsed.ok && topology.ok);
	assert.deepEqual(unknownSlabNames(topology.value), []);
	annotateSlabs(parsed.value.slabs, topology.value);
	annotateSlabs(parsed.value.slabs, topology.value);
	const unknown = unknownSlabNames(topology.value);
	const placed = new Set(topology.value.dirByName.keys());
	assert.deepEqual(unknown, parsed.value.slabs.map(s => s.name).filter(name => !placed.has(name)));
	assert.ok(unknown.includes('vm_area_struct') && !unknown.includes('dentry'));
});

test('topology refresh: a merged cache destroyed leaves its aliases\' links dangling (SLUB does), and its flag is not carried over', () => {
	const {files, slab, remove} = watchedSysCopy();
	try {
		const first = readSlabTopology(files);
		assert.ok(first.ok);
		assert.equal(first.value.reclaimable.get(':A-0000192'), false);
		rmSync(join(slab, ':A-0000192'), {recursive: true});
		const refreshed = readSlabTopology(files, first.value);
		const fresh = readSlabTopology(files);
		assert.ok(refreshed.ok && fresh.ok);
		assert.equal(refreshed.value.dirByName.get('cred'), ':A-0000192', 'the link still names it, as before');
		assert.equal(refreshed.value.reclaimable.has(':A-0000192'), false, 'unknown, as a first read says');
		assert.deepEqual(refreshed.value, fresh.value);
	} finally {
		remove();
	}
});
