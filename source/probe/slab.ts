import type {Files} from './files.js';
import {fail, ok, type Result} from './result.js';
import type {SlabSample} from './sample.js';

export interface SlabinfoParse {
	slabs: SlabSample[];
	/** Lines that did not parse; counted, not fatal (slabtop does the same). */
	badLines: number;
	/** Each good line's row, to hand back as `previous` next time. */
	byLine: Map<string, SlabSample>;
}

/** One cache's line; a regex is several times faster than splitting ~200 lines every tick. */
const SLABINFO_LINE = /^(\S+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) : [^:]* : slabdata +(\d+) +(\d+)/;

/** /proc/slabinfo (format 2.x) → one row per cache. Other versions are refused, not guessed at. */
export function parseSlabinfo(text: string, pageSize: number, previous?: ReadonlyMap<string, SlabSample>): Result<SlabinfoParse> {
	const lines = text.split('\n');
	if (!text.endsWith('\n')) lines.pop();
	const version = /^slabinfo - version: (\d+)\.(\d+)/.exec(lines[0] ?? '');
	if (!version) return fail(text.trim() === '' ? 'EMPTY' : 'PARSE', 'no slabinfo version line');
	if (version[1] !== '2') return fail('PARSE', `slabinfo version ${version[1]}.${version[2]} is not supported (2.x is)`);
	const slabs: SlabSample[] = [];
	const byLine = new Map<string, SlabSample>();
	let badLines = 0;
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i]!;
		// Most caches do not move between ticks: an unchanged line is the same row (and the same object).
		const same = previous?.get(line);
		if (same) {
			slabs.push(same);
			byLine.set(line, same);
			continue;
		}
		if (line.startsWith('#') || line.trim() === '') continue;
		// name active num objsize objperslab pagesperslab : tunables ... : slabdata active_slabs num_slabs sharedavail
		const match = SLABINFO_LINE.exec(line);
		const numbers = match ? match.slice(2).map(Number) : [];
		if (numbers.length !== 7 || numbers.some(n => !Number.isSafeInteger(n))) {
			badLines++;
			continue;
		}
		const [activeObjs, numObjs, objSize, objPerSlab, pagesPerSlab, activeSlabs, numSlabs] = numbers as [number, number, number, number, number, number, number];
		const slab: SlabSample = {
			name: match![1]!,
			activeObjs,
			numObjs,
			objSize,
			objPerSlab,
			pagesPerSlab,
			activeSlabs,
			numSlabs,
			sizeBytes: numSlabs * pagesPerSlab * pageSize,
			aliases: [],
			reclaimable: null,
		};
		slabs.push(slab);
		byLine.set(line, slab);
	}
	return ok({slabs, badLines, byLine});
}

/** `2093 N0=2093` → 2093: sysfs slab counters lead with the total, then per-node figures. */
export function firstInteger(text: string): number | null {
	const match = /^\s*(\d+)/.exec(text);
	return match ? Number(match[1]) : null;
}

export interface SlabTopology {
	/** Canonical sysfs directory (e.g. `:0000064` or `dentry`) → every name that points at it. */
	namesByDir: Map<string, string[]>;
	/** Any cache name → its canonical sysfs directory. */
	dirByName: Map<string, string>;
	/** Canonical directory → reclaim_account, when readable. */
	reclaimable: Map<string, boolean>;
}

/**
 * Reads /sys/kernel/slab once: about half the entries are symlinks to merged caches, so the names
 * are grouped by target. This does not change while the kernel runs except on module load, so it
 * is read at start and refreshed rarely, never every tick.
 */
export function readSlabTopology(files: Files): Result<SlabTopology> {
	const root = files.sys('kernel/slab');
	const entries = files.listDir(root);
	if (!entries.ok) return entries;
	const namesByDir = new Map<string, string[]>();
	const dirByName = new Map<string, string>();
	for (const name of entries.value) {
		const link = files.readLink(`${root}/${name}`);
		const dir = link.ok ? link.value.split('/').pop()! : name;
		dirByName.set(name, dir);
		const names = namesByDir.get(dir) ?? [];
		if (!name.startsWith(':')) names.push(name);
		namesByDir.set(dir, names);
	}
	const reclaimable = new Map<string, boolean>();
	for (const dir of namesByDir.keys()) {
		const text = files.readText(`${root}/${dir}/reclaim_account`, 64);
		if (text.ok) reclaimable.set(dir, firstInteger(text.value) === 1);
	}
	return ok({namesByDir, dirByName, reclaimable});
}

/** Fills aliases (the other users of a merged cache) and reclaimability from sysfs topology. */
export function annotateSlabs(slabs: SlabSample[], topology: SlabTopology): SlabSample[] {
	let memo = annotations.get(topology);
	if (!memo) annotations.set(topology, (memo = {byName: new Map(), byRow: new WeakMap()}));
	const {byName, byRow} = memo;
	return slabs.map(slab => {
		const done = byRow.get(slab);
		if (done) return done;
		let note = byName.get(slab.name);
		if (note === undefined) {
			const dir = topology.dirByName.get(slab.name);
			note = dir === undefined ? null : {aliases: (topology.namesByDir.get(dir) ?? []).filter(n => n !== slab.name).sort(), reclaimable: topology.reclaimable.get(dir) ?? null};
			byName.set(slab.name, note);
		}
		const result = note ? {...slab, ...note} : slab;
		byRow.set(slab, result);
		return result;
	});
}

/**
 * Per topology: aliases and reclaimable flag by cache name, worked out once, and each row already
 * annotated (a row parseSlabinfo reused from the last tick comes back as it was).
 */
const annotations = new WeakMap<SlabTopology, {byName: Map<string, Pick<SlabSample, 'aliases' | 'reclaimable'> | null>; byRow: WeakMap<SlabSample, SlabSample>}>();

/**
 * The list from /sys/kernel/slab when /proc/slabinfo cannot be read: one row per canonical cache
 * (merged caches de-duplicated), named by its first alias so it reads like slabinfo.
 */
export function readSlabsFromSysfs(files: Files, topology: SlabTopology, pageSize: number): Result<SlabSample[]> {
	const root = files.sys('kernel/slab');
	const slabs: SlabSample[] = [];
	let denied = 0;
	for (const [dir, names] of topology.namesByDir) {
		const read = (attribute: string) => {
			const text = files.readText(`${root}/${dir}/${attribute}`, 4096);
			if (!text.ok && text.reason === 'EACCES') denied++;
			return text.ok ? firstInteger(text.value) : null;
		};
		const objects = read('objects');
		const totalObjects = read('total_objects');
		const slabCount = read('slabs');
		// slab_size is the slot each object takes (what slabinfo prints as <objsize>); object_size
		// is the caller's request without alignment and metadata.
		const objSize = read('slab_size') ?? read('object_size');
		const objPerSlab = read('objs_per_slab');
		const order = read('order');
		if (objects === null || slabCount === null || objSize === null || objPerSlab === null || order === null) continue;
		const sorted = [...names].sort();
		const pagesPerSlab = 2 ** order;
		slabs.push({
			name: sorted[0] ?? dir,
			activeObjs: objects,
			numObjs: totalObjects ?? objects,
			objSize,
			objPerSlab,
			pagesPerSlab,
			activeSlabs: slabCount,
			numSlabs: slabCount,
			sizeBytes: slabCount * pagesPerSlab * pageSize,
			aliases: sorted.slice(1),
			reclaimable: topology.reclaimable.get(dir) ?? null,
		});
	}
	if (slabs.length === 0 && denied > 0) return fail('EACCES', root);
	return ok(slabs);
}
