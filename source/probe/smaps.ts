import type {Files} from './files.js';
import {fail, ok, type Result} from './result.js';

/** What a mapping holds, in the words pmap and a person use. */
export type MappingKind = 'heap' | 'stack' | 'anon' | 'file' | 'shmem' | 'vdso' | 'vvar' | 'vsyscall' | 'other';

/** The `Key: N kB` fields leaktop keeps, per mapping and summed, in bytes. */
export interface SmapsCounters {
	sizeBytes: number;
	rssBytes: number;
	pssBytes: number;
	sharedCleanBytes: number;
	sharedDirtyBytes: number;
	privateCleanBytes: number;
	privateDirtyBytes: number;
	anonymousBytes: number;
	swapBytes: number;
	swapPssBytes: number;
	lockedBytes: number;
}

/** One mapping of /proc/PID/smaps. Sizes are bytes (the kernel prints kB). */
export interface Mapping extends SmapsCounters {
	/**
	 * Identity across samples: start address and path, except for the singletons ([stack], [heap],
	 * [vdso]…) whose path alone is the key, because the stack grows down and moves its start.
	 */
	key: string;
	/** Hex as the kernel prints it: the vsyscall page (ffffffffff600000) exceeds 2^53. */
	start: string;
	end: string;
	/** `rw-p`: read, write, execute, then p(rivate) or s(hared). */
	perms: string;
	/** File offset, hex as printed. */
	offset: string;
	/** `major:minor`, hex as printed. */
	dev: string;
	inode: number;
	/** As printed, including a ` (deleted)` suffix; "" for plain anonymous memory. */
	path: string;
	kind: MappingKind;
	/** The file behind it was deleted (a common sign of a leaked temp file or memfd). */
	deleted: boolean;
}

/** Sums over every mapping; sizeBytes, rssBytes and dirtyBytes are pmap -x's total line. */
export interface SmapsTotals extends SmapsCounters {
	mappings: number;
	/** Private_Clean + Private_Dirty: what freeing this process would give back. */
	ussBytes: number;
	/** Shared_Dirty + Private_Dirty, as pmap's Dirty column. */
	dirtyBytes: number;
}

export interface SmapsParse {
	mappings: Mapping[];
	totals: SmapsTotals;
	/** The last mapping was cut short (a torn read) and left out. */
	truncated: boolean;
	/** Lines that fit neither a mapping header nor a `Key: value` field; counted, not fatal. */
	badLines: number;
}

type Counter = keyof SmapsCounters;

// Only the fields leaktop shows; the others (Referenced, KSM, THPeligible…) are skipped cheaply.
const COUNTERS: ReadonlyArray<readonly [key: string, counter: Counter]> = [
	['Size', 'sizeBytes'],
	['Rss', 'rssBytes'],
	['Pss', 'pssBytes'],
	['Shared_Clean', 'sharedCleanBytes'],
	['Shared_Dirty', 'sharedDirtyBytes'],
	['Private_Clean', 'privateCleanBytes'],
	['Private_Dirty', 'privateDirtyBytes'],
	['Anonymous', 'anonymousBytes'],
	['Swap', 'swapBytes'],
	['SwapPss', 'swapPssBytes'],
	['Locked', 'lockedBytes'],
];

const COUNTER_NAMES = COUNTERS.map(([, counter]) => counter);

// 780,000 field lines at 30,000 mappings: the colon's position (the key's length) picks one or
// two candidates and startsWith confirms, so no line allocates a key string to look up.
const FIELDS_BY_KEY_LENGTH: Array<Array<readonly [key: string, counter: Counter | 'VmFlags']>> = [];
for (const field of [...COUNTERS, ['VmFlags', 'VmFlags'] as const]) (FIELDS_BY_KEY_LENGTH[field[0].length] ??= []).push(field);

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+) *(.*)$/;
const SINGLETON = /^\[(?:heap|stack|vdso|vvar[^\]]*|vsyscall|uprobes)\]$/;
const DELETED = ' (deleted)';

/** The kind of a mapping from its path and perms, as pmap -x labels them. */
export function mappingKind(path: string, perms: string): MappingKind {
	if (path === '') return perms[3] === 's' ? 'shmem' : 'anon';
	if (path.startsWith('/')) {
		// Shared anonymous memory shows as a deleted /dev/zero; SysV segments, memfds and
		// /dev/shm files are tmpfs pages that no file on disk backs.
		if (path.startsWith('/SYSV') || path.startsWith('/memfd:') || path.startsWith('/dev/shm/') || path === '/dev/zero (deleted)') return 'shmem';
		return 'file';
	}
	if (path === '[heap]') return 'heap';
	if (path === '[stack]' || path.startsWith('[stack:')) return 'stack';
	if (path === '[vdso]') return 'vdso';
	if (path.startsWith('[vvar')) return 'vvar';
	if (path === '[vsyscall]') return 'vsyscall';
	if (path.startsWith('[anon_shmem:')) return 'shmem';
	if (path.startsWith('[anon:')) return 'anon';
	return 'other';
}

/** The identity of a mapping across samples (see Mapping.key). */
export function mappingKey(start: string, path: string): string {
	return SINGLETON.test(path) ? path : `${start} ${path}`;
}

function emptyTotals(): SmapsTotals {
	return {mappings: 0, ...NO_COUNTS, ussBytes: 0, dirtyBytes: 0};
}

/** Every counter at zero: where a mapping and the totals start. */
const NO_COUNTS: Readonly<SmapsCounters> = {
	sizeBytes: 0,
	rssBytes: 0,
	pssBytes: 0,
	sharedCleanBytes: 0,
	sharedDirtyBytes: 0,
	privateCleanBytes: 0,
	privateDirtyBytes: 0,
	anonymousBytes: 0,
	swapBytes: 0,
	swapPssBytes: 0,
	lockedBytes: 0,
};

/**
 * Line-by-line state machine over smaps: a header line opens a mapping, `Key: N kB` lines fill
 * it. Fed by Files.forEachLine for a live process or by parseSmaps for a string, so a big
 * process never becomes one giant string. Never throws.
 */
export class SmapsParser {
	private readonly mappings: Mapping[] = [];
	private current: Mapping | null = null;
	private fields = 0;
	private previousFields = 0;
	private sawVmFlags = false;
	private badLines = 0;

	line(text: string): void {
		const first = text.charCodeAt(0);
		// Field keys start with an upper-case letter; headers with a lower-case hex digit.
		if (first >= 65 && first <= 90) {
			this.field(text);
			return;
		}
		const header = HEADER.exec(text);
		if (header === null) {
			if (text !== '') this.badLines++;
			return;
		}
		this.close();
		const [, start, end, perms, offset, dev, inode, path] = header as unknown as [string, string, string, string, string, string, string, string];
		this.current = {
			key: mappingKey(start, path),
			start,
			end,
			perms,
			offset,
			dev,
			inode: Number(inode),
			path,
			kind: mappingKind(path, perms),
			deleted: path.endsWith(DELETED),
			...NO_COUNTS,
		};
	}

	/** Ends the input: returns every complete mapping and their totals. */
	finish(): SmapsParse {
		// The last mapping of a torn read lacks its tail. Every mapping ends with VmFlags (since
		// 3.8), and all mappings of one file print the same fields, so either proves it whole.
		const last = this.current;
		const truncated = last !== null && !this.sawVmFlags && (this.previousFields === 0 || this.fields < this.previousFields);
		if (truncated) this.current = null;
		this.close();
		const totals = emptyTotals();
		for (const mapping of this.mappings) {
			for (const counter of COUNTER_NAMES) totals[counter] += mapping[counter];
		}
		totals.mappings = this.mappings.length;
		totals.ussBytes = totals.privateCleanBytes + totals.privateDirtyBytes;
		totals.dirtyBytes = totals.sharedDirtyBytes + totals.privateDirtyBytes;
		return {mappings: this.mappings, totals, truncated, badLines: this.badLines};
	}

	private close(): void {
		if (this.current !== null) {
			this.mappings.push(this.current);
			this.previousFields = this.fields;
		}
		this.current = null;
		this.fields = 0;
		this.sawVmFlags = false;
	}

	private field(text: string): void {
		const colon = text.indexOf(':');
		if (this.current === null || colon === -1) {
			this.badLines++;
			return;
		}
		this.fields++;
		const candidates = FIELDS_BY_KEY_LENGTH[colon];
		if (candidates === undefined) return;
		let counter: Counter | 'VmFlags' | undefined;
		for (const [key, field] of candidates) if (text.startsWith(key)) counter = field;
		if (counter === undefined) return;
		if (counter === 'VmFlags') {
			this.sawVmFlags = true;
			return;
		}
		const kib = readKib(text, colon + 1);
		if (kib === null) {
			this.badLines++;
			return;
		}
		this.current[counter] = kib * 1024;
	}
}

/** `   1234 kB` from position `from` → 1234; null when there are no digits or the unit is not kB. */
function readKib(text: string, from: number): number | null {
	let i = from;
	while (text.charCodeAt(i) === 32) i++;
	let value = 0;
	const digitsFrom = i;
	for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) value = value * 10 + (c - 48);
	if (i === digitsFrom || i - digitsFrom > 15) return null;
	return text.startsWith(' kB', i) && i + 3 === text.length ? value : null;
}

/** Parses a whole smaps text; a last line without '\n' is a torn read and dropped. */
export function parseSmaps(text: string): SmapsParse {
	const parser = new SmapsParser();
	let start = 0;
	for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
		parser.line(text.slice(start, nl));
		start = nl + 1;
	}
	return parser.finish();
}

export interface SmapsReading extends SmapsParse {
	/** Wall time to read and parse, so the UI can warn when a process's smaps gets expensive. */
	readMs: number;
	bytes: number;
}

/**
 * Reads /proc/PID/smaps streaming. ENOENT: no such process; ESRCH: it exited mid-read; EACCES:
 * not root or a protected pid; EMPTY: no user memory (kernel thread, zombie).
 */
export function readSmaps(files: Files, pid: number): Result<SmapsReading> {
	const startedMs = performance.now();
	const parser = new SmapsParser();
	const read = files.forEachLine(files.proc(String(pid), 'smaps'), line => parser.line(line));
	if (!read.ok) return read;
	const parsed = parser.finish();
	const readMs = performance.now() - startedMs;
	if (read.value.bytes === 0) return fail('EMPTY', `pid ${pid} has no user memory (kernel thread or zombie)`);
	if (parsed.mappings.length === 0) return fail('PARSE', `no mapping in ${read.value.bytes} bytes of smaps`);
	return ok({...parsed, readMs, bytes: read.value.bytes});
}

export type MappingChange =
	| {status: 'new'; key: string; current: Mapping}
	| {status: 'gone'; key: string; previous: Mapping}
	| {status: 'kept'; key: string; previous: Mapping; current: Mapping; sizeDeltaBytes: number; rssDeltaBytes: number; anonymousDeltaBytes: number; swapDeltaBytes: number};

/** Matches two samples of one process's mappings by key: new, gone, or kept with its deltas. */
export function diffMappings(previous: readonly Mapping[], current: readonly Mapping[]): MappingChange[] {
	const before = new Map(previous.map(mapping => [mapping.key, mapping]));
	const changes: MappingChange[] = [];
	for (const now of current) {
		const then = before.get(now.key);
		if (then === undefined) {
			changes.push({status: 'new', key: now.key, current: now});
			continue;
		}
		before.delete(now.key);
		changes.push({
			status: 'kept',
			key: now.key,
			previous: then,
			current: now,
			sizeDeltaBytes: now.sizeBytes - then.sizeBytes,
			rssDeltaBytes: now.rssBytes - then.rssBytes,
			anonymousDeltaBytes: now.anonymousBytes - then.anonymousBytes,
			swapDeltaBytes: now.swapBytes - then.swapBytes,
		});
	}
	for (const [key, then] of before) changes.push({status: 'gone', key, previous: then});
	return changes;
}
