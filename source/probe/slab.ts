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

const SLABINFO_VERSION = /^slabinfo - version: (\d+)\.(\d+)/;

/** /proc/slabinfo (format 2.x) → one row per cache. Other versions are refused, not guessed at. */
export function parseSlabinfo(text: string, pageSize: number, previous?: ReadonlyMap<string, SlabSample>): Result<SlabinfoParse> {
	const lines = text.split('\n');
	if (!text.endsWith('\n')) lines.pop();
	const version = SLABINFO_VERSION.exec(lines[0] ?? '');
	if (!version) return fail(text.trim() === '' ? 'EMPTY' : 'PARSE', 'no slabinfo version line');
	if (version[1] !== '2') return fail('PARSE', `slabinfo version ${version[1]}.${version[2]} is not supported (2.x is)`);
	const slabs: SlabSample[] = [];
	const byLine = new Map<string, SlabSample>();
	let badLines = 0;
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i]!;
		// Most caches do not move between ticks: an unchanged line is the same row (and the same object).
		const slab = previous?.get(line) ?? slabinfoLine(line, pageSize);
		if (slab === SKIP) continue;
		if (slab === BAD) {
			badLines++;
			continue;
		}
		slabs.push(slab);
		byLine.set(line, slab);
	}
	return ok({slabs, badLines, byLine});
}

const SKIP = 'skip';
const BAD = 'bad';

/** What one slabinfo line after the version line gives: a cache's row, nothing (a comment, a blank), or a bad line. */
function slabinfoLine(line: string, pageSize: number): SlabSample | typeof SKIP | typeof BAD {
	if (line.startsWith('#') || line.trim() === '') return SKIP;
	// name active num objsize objperslab pagesperslab : tunables ... : slabdata active_slabs num_slabs sharedavail
	const match = SLABINFO_LINE.exec(line);
	const numbers = match ? match.slice(2).map(Number) : [];
	if (numbers.length !== 7 || numbers.some(n => !Number.isSafeInteger(n))) return BAD;
	const [activeObjs, numObjs, objSize, objPerSlab, pagesPerSlab, activeSlabs, numSlabs] = numbers as [number, number, number, number, number, number, number];
	return {
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
}

/**
 * parseSlabinfo over the bytes as read, tick after tick: a line with the same bytes as at the same
 * place last tick (most caches sit still) gives last tick's row, with no string made of it. Only
 * the changed lines are decoded and parsed; the result equals parseSlabinfo of the decoded text.
 */
export class SlabinfoReader {
	/** Last tick's bytes, where each of its complete lines starts and ends, and what each gave. */
	private last = Buffer.alloc(0);
	private readonly starts: number[] = [];
	private readonly ends: number[] = [];
	private readonly outcomes: Array<SlabSample | typeof SKIP | typeof BAD> = [];
	/** Lines of last tick's bytes that can be matched (0: none, the last read did not parse). */
	private lines = 0;

	constructor(private readonly pageSize: number) {}

	/** Parses the first `length` bytes (KeptFile.parse's callback: the bytes are not kept, they are copied). */
	readonly parse = (bytes: Buffer, length: number): Result<Omit<SlabinfoParse, 'byLine'>> => {
		const versionEnd = lineEnd(bytes, 0, length);
		if (versionEnd === -1 || !(this.same(bytes, 0, 0, versionEnd) || this.supported(bytes.toString('utf8', 0, versionEnd)))) return this.fresh(bytes, length);
		const slabs: SlabSample[] = [];
		let badLines = 0;
		let line = 1;
		for (let start = versionEnd + 1, end = lineEnd(bytes, start, length); end !== -1; start = end + 1, end = lineEnd(bytes, start, length), line++) {
			const outcome = this.same(bytes, line, start, end) ? this.outcomes[line]! : slabinfoLine(bytes.toString('utf8', start, end), this.pageSize);
			this.starts[line] = start;
			this.ends[line] = end;
			this.outcomes[line] = outcome;
			if (outcome === BAD) badLines++;
			else if (outcome !== SKIP) slabs.push(outcome);
		}
		this.starts[0] = 0;
		this.ends[0] = versionEnd;
		this.outcomes[0] = SKIP;
		this.keep(bytes, length, line);
		return ok({slabs, badLines});
	};

	/** Line `line` of last tick had the same bytes as bytes[start..end). */
	private same(bytes: Buffer, line: number, start: number, end: number): boolean {
		if (line >= this.lines) return false;
		const lastStart = this.starts[line]!;
		return this.ends[line]! - lastStart === end - start && bytes.compare(this.last, lastStart, this.ends[line], start, end) === 0;
	}

	private supported(versionLine: string): boolean {
		return SLABINFO_VERSION.exec(versionLine)?.[1] === '2';
	}

	/** Copies this tick's bytes, to compare the next tick's lines with. */
	private keep(bytes: Buffer, length: number, lines: number): void {
		if (this.last.length < length) this.last = Buffer.allocUnsafe(length + (length >> 2));
		bytes.copy(this.last, 0, 0, length);
		this.lines = lines;
		this.starts.length = this.ends.length = this.outcomes.length = lines;
	}

	/** A text the version line refuses (or none): parseSlabinfo says why, and nothing is kept. */
	private fresh(bytes: Buffer, length: number): Result<Omit<SlabinfoParse, 'byLine'>> {
		this.lines = 0;
		const parsed = parseSlabinfo(bytes.toString('utf8', 0, length), this.pageSize);
		return parsed.ok ? ok({slabs: parsed.value.slabs, badLines: parsed.value.badLines}) : parsed;
	}
}

/** Where the line from start ends ('\n' before length), or -1 (no complete line). */
function lineEnd(bytes: Buffer, start: number, length: number): number {
	if (start >= length) return -1;
	const end = bytes.indexOf(10, start);
	return end === -1 || end >= length ? -1 : end;
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
	/** Named (not `:`) directory → its inode number when its reclaim_account was read: see readSlabTopology. */
	inodeByDir: Map<string, number>;
}

/**
 * Reads /sys/kernel/slab: about half the entries are symlinks to merged caches, so the names are
 * grouped by target. This does not change while the kernel runs except on module load, so it is
 * read at start and refreshed rarely, never every tick.
 *
 * With `previous` (the last read), reclaim_account is read only for caches that are new since:
 * it shows SLAB_RECLAIM_ACCOUNT, a flag fixed when the cache is created (the file is read-only
 * since Linux 5.9). A merged cache's `:` directory name spells its flags ('a' is this one) and
 * size, so the same name is the same answer. A named directory can be a cache destroyed and
 * created again under its name (a module reloaded) with other flags: kernfs gives the new
 * directory a new inode number, so those are compared, and re-read when the number differs or
 * cannot be had.
 */
export function readSlabTopology(files: Files, previous?: SlabTopology): Result<SlabTopology> {
	const root = files.sys('kernel/slab');
	const entries = files.listDirTyped(root);
	if (!entries.ok) return entries;
	const namesByDir = new Map<string, string[]>();
	const dirByName = new Map<string, string>();
	const listed = new Set<string>();
	for (const entry of entries.value) {
		const {name} = entry;
		if (entry.isDirectory()) listed.add(name);
		// Only the aliases are links: a readlink of each directory fails (EINVAL), and a thrown error costs.
		const link = entry.isDirectory() ? null : files.readLink(`${root}/${name}`);
		const dir = link?.ok ? link.value.split('/').pop()! : name;
		dirByName.set(name, dir);
		const names = namesByDir.get(dir) ?? [];
		if (!name.startsWith(':')) names.push(name);
		namesByDir.set(dir, names);
	}
	const reclaimable = new Map<string, boolean>();
	const inodeByDir = new Map<string, number>();
	for (const dir of namesByDir.keys()) {
		const known = previous?.reclaimable.get(dir);
		if (dir.startsWith(':')) {
			// SLUB leaves an alias's link behind when its merged cache is destroyed: a target no longer listed is read (and fails).
			if (known !== undefined && listed.has(dir)) reclaimable.set(dir, known);
			else readReclaim(files, root, dir, reclaimable);
			continue;
		}
		// Taken before the read: a directory recreated in between leaves an old number, so the next refresh reads again.
		const inode = files.inode(`${root}/${dir}`);
		if (inode.ok && known !== undefined && previous!.inodeByDir.get(dir) === inode.value) reclaimable.set(dir, known);
		else if (!readReclaim(files, root, dir, reclaimable)) continue;
		if (inode.ok) inodeByDir.set(dir, inode.value);
	}
	return ok({namesByDir, dirByName, reclaimable, inodeByDir});
}

/** Reads one directory's reclaim_account into reclaimable; false when it could not be read. */
function readReclaim(files: Files, root: string, dir: string, reclaimable: Map<string, boolean>): boolean {
	const text = files.readText(`${root}/${dir}/reclaim_account`, 64);
	if (text.ok) reclaimable.set(dir, firstInteger(text.value) === 1);
	return text.ok;
}

/** Fills aliases (the other users of a merged cache) and reclaimability from sysfs topology. */
export function annotateSlabs(slabs: SlabSample[], topology: SlabTopology): SlabSample[] {
	let memo = annotations.get(topology);
	if (!memo) annotations.set(topology, (memo = {byName: new Map(), lastRows: [], lastAnnotated: [], unknown: []}));
	const {byName, lastRows, lastAnnotated} = memo;
	memo.lastRows = slabs;
	return (memo.lastAnnotated = slabs.map((slab, i) => {
		// The same row at the same place as last time (most of them): no lookup.
		if (lastRows[i] === slab) return lastAnnotated[i]!;
		let known = byName.get(slab.name);
		if (known === undefined) {
			const dir = topology.dirByName.get(slab.name);
			if (dir === undefined) memo.unknown.push(slab.name);
			const note = dir === undefined ? null : {aliases: (topology.namesByDir.get(dir) ?? []).filter(n => n !== slab.name).sort(), reclaimable: topology.reclaimable.get(dir) ?? null};
			byName.set(slab.name, (known = {note, row: null, annotated: slab}));
		}
		if (known.row !== slab) {
			known.row = slab;
			known.annotated = known.note ? {...slab, ...known.note} : slab;
		}
		return known.annotated;
	}));
}

/**
 * The cache names annotateSlabs was given that this topology does not know, in the order met: a
 * cache created since the topology was read (a module loaded), or one sysfs never listed.
 */
export function unknownSlabNames(topology: SlabTopology): readonly string[] {
	return annotations.get(topology)?.unknown ?? [];
}

/**
 * Per topology, by cache name: aliases and reclaimable flag, worked out once, and the last row
 * annotated (a row parseSlabinfo reused from the last tick comes back as it was); the last
 * call's rows and results by place; the names not in the topology.
 */
const annotations = new WeakMap<
	SlabTopology,
	{
		byName: Map<string, {note: Pick<SlabSample, 'aliases' | 'reclaimable'> | null; row: SlabSample | null; annotated: SlabSample}>;
		lastRows: readonly SlabSample[];
		lastAnnotated: readonly SlabSample[];
		unknown: string[];
	}
>();

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
