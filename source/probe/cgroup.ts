import {join, posix} from 'node:path';
import {readMounts, rootedMountPoint} from './cgroupMounts.js';
import {
	parseCounter,
	parseLimitBytes,
	parseMemoryEvents,
	parseMemoryStat,
	parseOomControl,
	v1Events,
	type CgroupMemoryEvents,
	type CgroupMemoryStat,
} from './cgroupParse.js';
import type {Files} from './files.js';
import {fail, ok, type Reason, type Result} from './result.js';
import type {Pressure} from './sample.js';
import {parsePressure} from './vmstat.js';

/**
 * Which cgroup layout carries the memory controller. `hybrid` is v1 memory beside a cgroup2 mount
 * (systemd's hybrid mode): memory figures come from v1, the v2 tree has none.
 */
export type CgroupMode = 'v2' | 'v1' | 'hybrid' | 'none';

export interface CgroupHierarchy {
	mode: CgroupMode;
	/** File format of the memory hierarchy: 2 for v2, 1 for v1 and hybrid, null for none. */
	version: 1 | 2 | null;
	/** Rooted directory of the memory hierarchy's mount (see rootedMountPoint). */
	rootDir: string | null;
	/** The mount point as the kernel prints it, for messages. */
	mountPoint: string | null;
	/**
	 * The cgroup the mount shows at its top: '/' on a host; a container without a cgroup namespace
	 * sees its own subtree mounted, e.g. '/docker/3f2a…'. Cgroup paths are this plus the subdirectory.
	 */
	mountRoot: string;
	/** Rooted directory of the cgroup2 mount, when there is one (in hybrid it has no memory files). */
	unifiedDir: string | null;
	/** Why mode is 'none', in words. */
	note: string | null;
}

/** A row of /proc/cgroups. */
export interface ControllerRow {
	name: string;
	/** 0 when the controller is on the v2 hierarchy or not mounted. */
	hierarchy: number;
	cgroups: number;
	enabled: boolean;
}

/** /proc/cgroups → one row per controller; the `#subsys_name` header and bad lines are skipped. */
export function parseProcCgroups(text: string): ControllerRow[] {
	const rows: ControllerRow[] = [];
	for (const line of text.split('\n')) {
		const fields = line.trim().split(/\s+/);
		if (fields.length < 4 || fields[0]!.startsWith('#')) continue;
		const [hierarchy, cgroups, enabled] = fields.slice(1, 4).map(Number) as [number, number, number];
		if (![hierarchy, cgroups, enabled].every(Number.isSafeInteger)) continue;
		rows.push({name: fields[0]!, hierarchy, cgroups, enabled: enabled !== 0});
	}
	return rows;
}

/**
 * Finds the hierarchy that carries the memory controller from leaktop's mount table and
 * /proc/cgroups. Mounts rarely change: detect once and keep the answer (CgroupMemo does).
 */
export function detectCgroupHierarchy(files: Files): Result<CgroupHierarchy> {
	const mounts = readMounts(files);
	if (!mounts.ok) return mounts;
	const controllers = files.readText(files.proc('cgroups'));
	const memoryRow = controllers.ok ? parseProcCgroups(controllers.value).find(row => row.name === 'memory') : undefined;
	const unified = mounts.value.find(mount => mount.fsType === 'cgroup2');
	const unifiedDir = unified ? rootedMountPoint(files, unified.mountPoint) : null;
	const none = (note: string): Result<CgroupHierarchy> =>
		ok({mode: 'none', version: null, rootDir: null, mountPoint: null, mountRoot: '/', unifiedDir, note});

	if (memoryRow && !memoryRow.enabled) return none('the memory controller is disabled (cgroup_disable=memory)');
	const v1 = mounts.value.find(mount => mount.fsType === 'cgroup' && mount.options.includes('memory'));
	if (v1) {
		return ok({
			mode: unified ? 'hybrid' : 'v1',
			version: 1,
			rootDir: rootedMountPoint(files, v1.mountPoint),
			mountPoint: v1.mountPoint,
			mountRoot: v1.root,
			unifiedDir,
			note: null,
		});
	}
	if (memoryRow && memoryRow.hierarchy > 0) return none('the memory controller is on a cgroup v1 hierarchy that is not mounted here');
	if (!unified || !unifiedDir) return none('no cgroup filesystem is mounted');
	const available = files.readText(join(unifiedDir, 'cgroup.controllers'));
	// Unreadable cgroup.controllers: /proc/cgroups saying "hierarchy 0, enabled" means v2 has it.
	const hasMemory = available.ok ? available.value.split(/\s+/).includes('memory') : memoryRow !== undefined;
	if (!hasMemory) return none('cgroup2 is mounted without the memory controller');
	return ok({mode: 'v2', version: 2, rootDir: unifiedDir, mountPoint: unified.mountPoint, mountRoot: unified.root, unifiedDir, note: null});
}

/** One cgroup's memory at one moment: plain JSON (Sample.cgroups). Bytes; limits null = unlimited. */
export interface CgroupSample {
	/** The cgroup's path as /proc/PID/cgroup names it; '/' for the hierarchy's root. */
	path: string;
	/** v2 memory.current / v1 memory.usage_in_bytes (null on the v2 root, which has no such file). */
	usageBytes: number | null;
	/** memory.max / memory.limit_in_bytes; null when unlimited or unreadable (see unreadable). */
	limitBytes: number | null;
	/** v2 memory.high (throttling starts there); v1 has no equivalent, so always null. */
	highBytes: number | null;
	/** v2 memory.peak (Linux 5.19+) / v1 memory.max_usage_in_bytes. */
	peakBytes: number | null;
	stat: CgroupMemoryStat | null;
	events: CgroupMemoryEvents | null;
	/** v2 memory.pressure (PSI); v1 cgroups have none. */
	pressure: Pressure | null;
	/** Files that could not be read and why, so a null above is never mistaken for "unlimited". */
	unreadable: Record<string, Reason>;
	/**
	 * False when only usage and limits were read this tick (beyond CgroupReadOptions.detailLimit):
	 * then peak, stat, events and pressure are null because they were not read, not because they are missing.
	 */
	detailed: boolean;
}

/** State carried from tick to tick: pass the same object to every readCgroups call. */
export interface CgroupMemo {
	hierarchy?: Result<CgroupHierarchy>;
	/** PSI is probed once: 'ok', or why memory.pressure is never read again (EOPNOTSUPP, ENOENT…). */
	pressure?: 'ok' | Reason;
	tree?: CgroupTree;
	/** Usage of every cgroup in the last walk: the largest get the detailed reads next time. */
	lastUsage?: Map<string, number>;
}

/**
 * The child cgroups of each cgroup from the last full listing. Listing costs as much as two reads a
 * cgroup, and cgroups come and go far less often than ticks, so the listing is reused while the
 * memory controller's cgroup count in /proc/cgroups is unchanged, and renewed every RELIST_EVERY walks
 * in any case (a create and a free between two ticks leave the count alone).
 */
export interface CgroupTree {
	/** /proc/cgroups num_cgroups of memory when listed; null (unreadable) means list every walk. */
	cgroupCount: number | null;
	walks: number;
	children: Map<string, string[]>;
}

const RELIST_EVERY = 30;

export interface CgroupReadOptions {
	/** Levels below the root to descend (root is 0). Default 6: kubepods pod containers sit at 4. */
	maxDepth?: number;
	/** Cgroups to read at most, shallowest first. Default 512. */
	maxCount?: number;
	/**
	 * Cgroups that get the detailed reads (peak, memory.stat, events, PSI: 4-5 more files) each walk:
	 * the largest by usage in the last walk, and new ones. Default 64; Infinity reads all in full.
	 */
	detailLimit?: number;
	memo?: CgroupMemo;
}

export interface CgroupReading {
	mode: CgroupMode;
	cgroups: CgroupSample[];
	/** True when maxDepth or maxCount left cgroups unread. */
	truncated: boolean;
}

const DEFAULT_MAX_DEPTH = 6;
const DEFAULT_MAX_COUNT = 512;
const DEFAULT_DETAIL_LIMIT = 64;

/**
 * Walks the memory hierarchy breadth first and reads every cgroup's usage and limits, and for the
 * detailLimit largest also peak, memory.stat, events and PSI: no process files. About 2-3 reads a
 * cgroup plus 5 for a detailed one; listings are reused between walks (CgroupTree). Fails only
 * when there is no memory hierarchy or its root cannot be listed; a single unreadable file shows
 * in that cgroup's `unreadable`.
 */
export function readCgroups(files: Files, options: CgroupReadOptions = {}): Result<CgroupReading> {
	const memo = options.memo ?? {};
	memo.hierarchy ??= detectCgroupHierarchy(files);
	if (!memo.hierarchy.ok) return memo.hierarchy;
	const hierarchy = memo.hierarchy.value;
	if (hierarchy.rootDir === null || hierarchy.version === null) return fail('ENOENT', hierarchy.note ?? 'no memory cgroup hierarchy');
	const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
	const maxCount = options.maxCount ?? DEFAULT_MAX_COUNT;
	const detailLimit = options.detailLimit ?? DEFAULT_DETAIL_LIMIT;
	const lastUsage = memo.lastUsage;
	const largest = lastUsage ? largestPaths(lastUsage, detailLimit) : null;
	let detailedCount = 0;

	const rootDir = hierarchy.rootDir;
	const tree = currentTree(files, memo.tree);
	memo.tree = tree;
	const listed = (relative: string): Result<string[]> => {
		let children = tree.children.get(relative);
		if (children) return ok(children);
		const listing = files.listDir(join(rootDir, relative));
		if (!listing.ok) return listing;
		children = listing.value.filter(isChildCandidate).sort();
		tree.children.set(relative, children);
		return ok(children);
	};
	const rootChildren = listed('');
	if (!rootChildren.ok) return rootChildren;
	const cgroups: CgroupSample[] = [];
	let truncated = false;
	const queue: Array<{relative: string; depth: number}> = [{relative: '', depth: 0}];
	for (let next = queue.shift(); next; next = queue.shift()) {
		if (cgroups.length >= maxCount) {
			truncated = true;
			break;
		}
		const dir = join(rootDir, next.relative);
		const path = cgroupPathOf(hierarchy, next.relative);
		const detail = detailedCount < detailLimit && (!lastUsage?.has(path) || (largest?.has(path) ?? true));
		const sample = readCgroupDir(files, dir, path, hierarchy.version, memo, next.depth === 0, detail);
		if (!sample) continue;
		if (detail) detailedCount++;
		cgroups.push(sample);
		const childrenOf = listed(next.relative);
		const children = childrenOf.ok ? childrenOf.value : [];
		if (children.length > 0 && next.depth >= maxDepth) {
			truncated = true;
			continue;
		}
		for (const name of children) queue.push({relative: posix.join(next.relative, name), depth: next.depth + 1});
	}
	memo.lastUsage = new Map(cgroups.map(cgroup => [cgroup.path, cgroup.usageBytes ?? 0]));
	return ok({mode: hierarchy.mode, cgroups, truncated});
}

function largestPaths(usage: Map<string, number>, count: number): Set<string> {
	if (usage.size <= count) return new Set(usage.keys());
	return new Set([...usage].sort((a, b) => b[1] - a[1]).slice(0, count).map(([path]) => path));
}

/** Reads one cgroup by the path /proc/PID/cgroup gives; ENOENT when it is outside the visible mount. */
export function readCgroupAt(files: Files, hierarchy: CgroupHierarchy, cgroupPath: string, memo: CgroupMemo = {}): Result<CgroupSample> {
	const dir = cgroupDir(hierarchy, cgroupPath);
	if (dir === null || hierarchy.version === null) return fail('ENOENT', `${cgroupPath} is not under the memory cgroup mount`);
	const sample = readCgroupDir(files, dir, cgroupPath, hierarchy.version, memo, cgroupPath === hierarchy.mountRoot, true);
	return sample ? ok(sample) : fail('ENOENT', dir);
}

/** The rooted directory of a cgroup path, or null when the mount does not show it. */
export function cgroupDir(hierarchy: CgroupHierarchy, cgroupPath: string): string | null {
	if (hierarchy.rootDir === null) return null;
	const relative = posix.relative(hierarchy.mountRoot, posix.normalize(cgroupPath));
	if (relative.startsWith('..') || posix.isAbsolute(relative)) return null;
	return join(hierarchy.rootDir, relative);
}

function cgroupPathOf(hierarchy: CgroupHierarchy, relative: string): string {
	return posix.join(hierarchy.mountRoot, relative || '.');
}

// Every file in a cgroup directory is `<controller>.<name>` or one of these; a child cgroup can be
// named almost anything, so everything else is tried as a directory (one failed opendir at worst).
const CONTROL_FILE = /^(cgroup|memory|cpu|cpuacct|cpuset|io|blkio|pids|hugetlb|rdma|misc|net_cls|net_prio|devices|freezer|perf_event|dmem)\./;
const BARE_CONTROL_FILES = new Set(['tasks', 'notify_on_release', 'release_agent']);

function isChildCandidate(name: string): boolean {
	return !CONTROL_FILE.test(name) && !BARE_CONTROL_FILES.has(name);
}

function currentTree(files: Files, previous: CgroupTree | undefined): CgroupTree {
	const controllers = files.readText(files.proc('cgroups'));
	const cgroupCount = controllers.ok ? (parseProcCgroups(controllers.value).find(row => row.name === 'memory')?.cgroups ?? null) : null;
	if (previous && cgroupCount !== null && previous.cgroupCount === cgroupCount && previous.walks < RELIST_EVERY) {
		previous.walks++;
		return previous;
	}
	return {cgroupCount, walks: 1, children: new Map()};
}

// null means the directory is not a memory cgroup (a file that looked like a child, a cgroup that
// vanished mid-walk, or a v2 cgroup whose parent does not enable memory).
function readCgroupDir(files: Files, dir: string, path: string, version: 1 | 2, memo: CgroupMemo, isTop: boolean, detail: boolean): CgroupSample | null {
	const unreadable: Record<string, Reason> = {};
	const read = <T>(name: string, parse: (text: string) => Result<T>): Result<T> => {
		const text = files.readText(join(dir, name), 64 * 1024);
		const parsed = text.ok ? parse(text.value) : text;
		if (!parsed.ok) unreadable[name] = parsed.reason;
		return parsed;
	};
	const valueOf = <T>(result: Result<T>): T | null => (result.ok ? result.value : null);

	if (version === 1) {
		const usage = read('memory.usage_in_bytes', parseCounter);
		if (!isTop && !usage.ok && usage.reason === 'ENOENT') return null;
		const limitBytes = valueOf(read('memory.limit_in_bytes', parseLimitBytes));
		memo.pressure ??= 'ENOENT';
		const sample: CgroupSample = {path, usageBytes: valueOf(usage), limitBytes, highBytes: null, peakBytes: null, stat: null, events: null, pressure: null, unreadable, detailed: detail};
		if (!detail) return sample;
		const stat = read('memory.stat', text => ok(parseMemoryStat(text, 1)));
		const kernel = read('memory.kmem.usage_in_bytes', parseCounter);
		const oomControl = read('memory.oom_control', text => ok(parseOomControl(text)));
		const failcnt = read('memory.failcnt', parseCounter);
		sample.peakBytes = valueOf(read('memory.max_usage_in_bytes', parseCounter));
		sample.stat = stat.ok ? {...stat.value, kernelBytes: valueOf(kernel)} : null;
		sample.events = oomControl.ok || failcnt.ok ? v1Events(valueOf(oomControl), valueOf(failcnt)) : null;
		return sample;
	}

	// The real v2 root has only memory.stat and memory.pressure (its usage is the host's), so a
	// missing memory.current drops a cgroup only below the top of the mount.
	const usage = read('memory.current', parseCounter);
	if (!isTop && !usage.ok && usage.reason === 'ENOENT') return null;
	const limitBytes = valueOf(read('memory.max', parseLimitBytes));
	const highBytes = valueOf(read('memory.high', parseLimitBytes));
	const sample: CgroupSample = {path, usageBytes: valueOf(usage), limitBytes, highBytes, peakBytes: null, stat: null, events: null, pressure: null, unreadable, detailed: detail};
	if (!detail) return sample;
	sample.peakBytes = valueOf(read('memory.peak', parseCounter));
	sample.stat = valueOf(read('memory.stat', text => ok(parseMemoryStat(text, 2))));
	sample.events = valueOf(read('memory.events', text => ok(parseMemoryEvents(text))));
	sample.pressure = readPressure(memo, read);
	return sample;
}

function readPressure(memo: CgroupMemo, read: <T>(name: string, parse: (text: string) => Result<T>) => Result<T>): Pressure | null {
	if (memo.pressure !== undefined && memo.pressure !== 'ok') return null;
	const pressure = read('memory.pressure', text => {
		const parsed = parsePressure(text);
		return parsed ? ok(parsed) : fail<Pressure>('PARSE');
	});
	if (pressure.ok) memo.pressure = 'ok';
	// EOPNOTSUPP (psi=0) holds for every cgroup; the first failure decides for all of them.
	else if (memo.pressure === undefined || pressure.reason === 'EOPNOTSUPP') memo.pressure = pressure.reason;
	return pressure.ok ? pressure.value : null;
}
