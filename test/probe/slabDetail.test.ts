import assert from 'node:assert/strict';
import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {Files} from '../../source/probe/files.js';
import type {Result} from '../../source/probe/result.js';
import {readSlabAliases, readSlabDetail, resolveSlabName, slabDetailBytes, SLAB_DETAIL_ATTRIBUTES} from '../../source/probe/slabDetail.js';
import {copyFixture, fixturePath} from '../helpers/fixtures.js';

const PAGE = 4096;
const fixtureFiles = (options: ConstructorParameters<typeof Files>[0] = {}) => new Files({sysRoot: fixturePath('slab-detail'), ...options});
const merged64 = ['dmaengine-unmap-2', 'fanotify_path_event', 'iommu_iova', 'jbd2_inode', 'ksm_rmap_item', 'ksm_stable_node', 'xfs_defer_pending'];
const value = (result: Result<number>) => (result.ok ? result.value : `n/a (${result.reason})`);

describe('slab detail from a sysfs tree captured on this machine', () => {
	it('an unmerged cache: every attribute, first integer of `N N0=N`, no aliases', () => {
		const detail = readSlabDetail(fixtureFiles(), 'dentry');
		assert.ok(detail.ok, JSON.stringify(detail));
		assert.equal(detail.value.dir, 'dentry');
		assert.deepEqual(detail.value.aliases, []);
		assert.equal(detail.value.merged, false);
		const values = Object.fromEntries(SLAB_DETAIL_ATTRIBUTES.map(a => [a, value(detail.value.attributes[a])]));
		assert.deepEqual(values, {
			objects: 26999,
			total_objects: 27531,
			slabs: 1311,
			partial: 120,
			cpu_slabs: 9,
			object_size: 192,
			slab_size: 192,
			objs_per_slab: 21,
			order: 0,
			reclaim_account: 1,
		});
		assert.equal(slabDetailBytes(detail.value, PAGE), 1311 * PAGE);
	});

	it('a slabinfo name that is an alias resolves to its merged directory and lists the others', () => {
		assert.deepEqual(resolveSlabName(fixtureFiles(), 'dmaengine-unmap-2'), {ok: true, value: ':0000064'});
		const detail = readSlabDetail(fixtureFiles(), 'dmaengine-unmap-2');
		assert.ok(detail.ok);
		assert.equal(detail.value.dir, ':0000064');
		assert.deepEqual(detail.value.aliases, merged64.filter(n => n !== 'dmaengine-unmap-2'));
		assert.equal(detail.value.merged, true);
		assert.equal(value(detail.value.attributes.objects), 64);
		assert.equal(value(detail.value.attributes.object_size), 64);
		assert.equal(value(detail.value.attributes.reclaim_account), 0);
	});

	it('the merged directory itself: every user is an alias', () => {
		const detail = readSlabDetail(fixtureFiles(), ':0000064');
		assert.ok(detail.ok);
		assert.equal(detail.value.dir, ':0000064');
		assert.deepEqual(detail.value.aliases, merged64);
		assert.equal(detail.value.merged, true);
		assert.deepEqual(readSlabAliases(fixtureFiles(), ':0000024'), {ok: true, value: ['fsnotify_mark_connector', 'lsm_file_cache']});
		assert.deepEqual(readSlabAliases(fixtureFiles(), 'kmalloc-64'), {ok: true, value: []});
	});

	it('a missing attribute (cpu_slabs removed from :0000024) is reported alone, the rest read', () => {
		const detail = readSlabDetail(fixtureFiles(), 'lsm_file_cache');
		assert.ok(detail.ok);
		const {cpu_slabs: cpuSlabs, objects} = detail.value.attributes;
		assert.ok(!cpuSlabs.ok && cpuSlabs.reason === 'ENOENT');
		assert.ok(objects.ok);
		assert.equal(detail.value.aliases.join(), 'fsnotify_mark_connector');
	});

	it('not root: each attribute says EACCES, never a throw, never 0', () => {
		const files = fixtureFiles({deny: path => (/\/kernel\/slab\/[^/]+\/[a-z_]+$/.test(path) ? 'EACCES' : undefined)});
		const detail = readSlabDetail(files, 'dentry');
		assert.ok(detail.ok);
		for (const attribute of SLAB_DETAIL_ATTRIBUTES) {
			const result = detail.value.attributes[attribute];
			assert.ok(!result.ok && result.reason === 'EACCES', attribute);
		}
		assert.equal(slabDetailBytes(detail.value, PAGE), null);
		const onlyObjects = fixtureFiles({deny: path => (path.endsWith('/objects') ? 'EACCES' : undefined)});
		const partial = readSlabDetail(onlyObjects, 'dentry');
		assert.ok(partial.ok && !partial.value.attributes.objects.ok && partial.value.attributes.slabs.ok);
	});

	it('garbage or empty attribute files are PARSE / EMPTY; an unknown or unsafe name is ENOENT', () => {
		const copy = copyFixture('slab-detail');
		after(copy.remove);
		writeFileSync(join(copy.root, 'kernel/slab/dentry/objects'), 'lots\n');
		closeSync(openSync(join(copy.root, 'kernel/slab/dentry/slabs'), 'w'));
		const detail = readSlabDetail(new Files({sysRoot: copy.root}), 'dentry');
		assert.ok(detail.ok);
		assert.ok(!detail.value.attributes.objects.ok && detail.value.attributes.objects.reason === 'PARSE');
		assert.ok(!detail.value.attributes.slabs.ok && detail.value.attributes.slabs.reason === 'EMPTY');
		for (const name of ['no-such-cache', '', '..', '../slab/dentry', 'a\0b']) {
			const result = readSlabDetail(fixtureFiles(), name);
			assert.ok(!result.ok && result.reason === 'ENOENT', JSON.stringify(name));
		}
	});

	it('no /sys/kernel/slab (or a denied one) fails the whole reading with its reason', () => {
		const empty = mkdtempSync(join(tmpdir(), 'leaktop-nosys-'));
		after(() => rmSync(empty, {recursive: true, force: true}));
		const missing = readSlabDetail(new Files({sysRoot: empty}), 'dentry');
		assert.ok(!missing.ok && missing.reason === 'ENOENT');
		const denied = readSlabDetail(fixtureFiles({deny: path => (path.endsWith('kernel/slab') ? 'EACCES' : undefined)}), 'dentry');
		assert.ok(!denied.ok && denied.reason === 'EACCES');
	});
});

describe('slab detail on this machine', {skip: process.getuid?.() !== 0 ? 'sysfs slab attributes are root-only' : false}, () => {
	const files = new Files();
	const slabinfoRow = (name: string) => {
		const line = readFileSync('/proc/slabinfo', 'utf8').split('\n').find(l => l.startsWith(`${name} `));
		assert.ok(line, `${name} in /proc/slabinfo`);
		const [head, , data] = line.split(' : ');
		const [, activeObjs, numObjs, objSize, objPerSlab, pagesPerSlab] = head!.trim().split(/\s+/).map(Number);
		const [, , numSlabs] = data!.trim().split(/\s+/).map(Number);
		return {activeObjs: activeObjs!, numObjs: numObjs!, objSize: objSize!, objPerSlab: objPerSlab!, pagesPerSlab: pagesPerSlab!, numSlabs: numSlabs!};
	};
	const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= Math.max(64, expected * 0.02), `${what}: sysfs ${actual}, slabinfo ${expected}`);

	for (const name of ['dentry', 'kmalloc-64']) {
		it(`${name} agrees with its /proc/slabinfo row`, () => {
			const detail = readSlabDetail(files, name);
			assert.ok(detail.ok, JSON.stringify(detail));
			const row = slabinfoRow(name);
			const a = detail.value.attributes;
			for (const attribute of SLAB_DETAIL_ATTRIBUTES) assert.ok(a[attribute].ok, `${attribute}: ${JSON.stringify(a[attribute])}`);
			near(value(a.objects) as number, row.activeObjs, 'objects');
			near(value(a.total_objects) as number, row.numObjs, 'total_objects');
			near(value(a.slabs) as number, row.numSlabs, 'slabs');
			// slabinfo's objsize column is the slab_size (object plus metadata), not object_size.
			assert.equal(value(a.slab_size), row.objSize);
			assert.equal(value(a.objs_per_slab), row.objPerSlab);
			assert.equal(2 ** (value(a.order) as number), row.pagesPerSlab);
		});
	}

	it('every merged cache in /proc/slabinfo resolves through its alias to a shared directory', () => {
		const names = readFileSync('/proc/slabinfo', 'utf8').split('\n').slice(2).filter(Boolean).map(l => l.split(/\s+/)[0]!);
		let merged = 0;
		for (const name of names) {
			const dir = resolveSlabName(files, name);
			assert.ok(dir.ok, `${name}: ${JSON.stringify(dir)}`);
			if (dir.value !== name) {
				assert.match(dir.value, /^:/);
				merged++;
			}
		}
		assert.ok(merged > 0, 'this kernel merges caches (no slab_nomerge)');
	});
});
