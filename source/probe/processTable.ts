import type {CgroupHierarchy} from './cgroup.js';
import {cgroupOfPid} from './cgroupContainer.js';
import {KeptPath, type Files, type KeptFile} from './files.js';
import {isKernelThread, parsePasswd, parseProcStatBytes, parseProcStatusBytes, parseSmapsRollup, parseStatmInto, printable, sanitizeCmdline, type ProcStat, type ProcStatm, type ProcStatus} from './process.js';
import {fail, ok, type Reason, type Result} from './result.js';
import type {ProcessSample} from './sample.js';

export interface ScanOptions {
	/** How many of the largest processes (by RSS) get status, fd count and PSS each tick. */
	detailTop: number;
	/** Pids that get status and fd count whatever their size (growing ones, the selected one); their PSS is read first when due. */
	detailPids: ReadonlySet<number>;
	/** Pids whose PSS is read every scan, outside the budget (the one a person is looking at). */
	pssPids?: ReadonlySet<number>;
	/** Wall-time budget for smaps_rollup reads in one scan (each costs ~9 ms per GiB of RSS). */
	pssBudgetMs: number;
	/** Read PSS for every process (explicit opt-in: it takes each target's mmap lock). */
	pssAll: boolean;
	/** No process was born or reaped since the last scan (the kernel's counters say so): the last listing of /proc still holds. */
	sameProcesses?: boolean;
}

export interface Scan {
	processes: ProcessSample[];
	/** Processes visible but unreadable, or gone between readdir and read. */
	hidden: number;
	sources: {processes: 'ok' | Reason; pss: 'ok' | Reason};
}

interface Tracked {
	pid: number;
	/** /proc/PID, joined once: the detail files of the largest processes are named from it every tick. */
	dir: string;
	startTime: number;
	/** Kept open and re-read: statm every tick (rss), stat now and then (state, comm, ppid). */
	statm: KeptFile | null;
	stat: KeptFile | null;
	/** The last stat reading: identity and the fields that change rarely. */
	last: ProcStat;
	statReadTick: number;
	/** Read once per process, but not all at first sight (see IDENTITY_PER_SCAN): until then '' / null / -1. */
	identity: boolean;
	cmdline: string;
	cgroup: {path: string; name: string} | null;
	uid: number;
	kernelThread: boolean;
	/** Last PSS reading, carried between budgeted reads. */
	pss: ReturnType<typeof parseSmapsRollup>;
	pssReadAt: number;
	/** RSS (pages) when PSS was last read: a process whose size has not moved much keeps its PSS longer. */
	pssRssPages: number;
	/** What the last smaps_rollup read cost, to keep a big process from blowing the tick budget. */
	pssCostMs: number;
	fdCount: number | null;
	/** The last status reading, and the RSS and scan it was read at: status is re-read when RSS moves. */
	status: ProcStatus | null;
	statusRssPages: number;
	statusTick: number;
	/** status kept open while the process stays detailed, and the last scan that detailed it. */
	statusFile: KeptPath | null;
	statusFileTick: number;
	statmLast: ProcStatm | null;
	/**
	 * The last row handed out, while nothing in it has changed: a quiet process costs no new object
	 * per tick. Never mutated (addDetail works on copies); dropped whenever what it shows changes.
	 */
	sample: ProcessSample | null;
	/** Consecutive statm reads that found the same sizes. */
	unchangedReads: number;
	/** The scan that last listed it: the ones a scan did not list are gone. */
	seenTick: number;
	/** The last scan whose detailPids named it (marked once per scan, not looked up per pid). */
	detailTick: number;
	/** Forgotten: a place in listedTracked that still holds it looks the pid up again. */
	gone: boolean;
}

/** status is ~1.5 KB; a cap keeps a strange one harmless. */
const STATUS_MAX_BYTES = 16384;
/** Distinct command lines and cgroups remembered at most: past it the tables start again (bounded, whatever the box runs). */
const INTERN_MAX = 1024;
/** stat is re-read every this many ticks (spread over pids) and every tick for detailed processes. */
const STAT_EVERY_TICKS = 5;
/** Processes whose owner, command line and cgroup are read per scan beyond the largest detailTop. */
const IDENTITY_PER_SCAN = 200;
/** A detailed process whose RSS has not moved has its status re-read at least every this many ticks. */
const STATUS_CARRY_TICKS = 10;
/** After this many reads with the same sizes a process counts as quiet… */
const QUIET_AFTER = 10;
/** …and is read every this many ticks until its size moves… */
const QUIET_EVERY = 4;
/** …and once this many reads in all found the same sizes (~2 min at 1 s), every LONG_QUIET_EVERY (a multiple of QUIET_EVERY: a seamless step). */
const LONG_QUIET_AFTER = 40;
const LONG_QUIET_EVERY = 8;
/** PSS moves slowly and costs ~9 ms per GiB of RSS: one process's is refreshed at most this often… */
const PSS_REFRESH_MS = 10_000;
/** …and, while its RSS stays the same, only this often (sharers coming and going still move it). */
const PSS_QUIET_REFRESH_MS = 60_000;
/** RSS has moved, for PSS's sake, by this much or 1/64 of itself, whichever is larger. */
const PSS_MOVED_BYTES = 1024 * 1024;

/**
 * Keeps /proc/PID/statm and stat open per process and re-reads them (a few µs instead of 15-20 µs
 * for open+read+close; a kept fd of an exited pid fails with ESRCH, so a reused pid is never
 * mistaken for the old process). statm, a third of stat's cost to the kernel, is read every tick;
 * stat every few. The expensive files are read only for the processes that matter.
 */
export class ProcessScanner {
	private readonly tracked = new Map<number, Tracked>();
	private users: Map<number, string> | null = null;
	private canKeep = true;
	private tick = 0;
	/** Whether st_size of /proc/PID/fd is its descriptor count (Linux ≥ 6.2): decided on first use. */
	private fdSizeIsCount: boolean | null = null;
	/** The pids of the last listing of /proc, parsed once: a quiet box lists the same /proc tick after tick (null: list it again). */
	private listedPids: number[] | null = null;
	/** Each listed pid's record, by place: a scan of the same listing finds them without a lookup per pid. */
	private listedTracked: Array<Tracked | undefined> = [];
	/** Tracked processes this scan has listed so far: all of them, and none is to be forgotten. */
	private seen = 0;
	/** Listed pids this scan could not read (gone, or unreadable). */
	private unread = 0;
	/** The record of each row of this scan, by place (rows are the public shape: no room for it there). */
	private readonly rowTracked: Tracked[] = [];
	/** Records of the last listing that the new one does not carry: exited, most likely. */
	private readonly dropped: Tracked[] = [];
	/** One string per distinct command line, one placement per cgroup: a thousand workers of one program share theirs. */
	private readonly cmdlines = new Map<string, string>();
	private readonly placements = new Map<string, {path: string; name: string}>();
	/** Tracked processes whose identity is still to be read: none, and readIdentities looks at no row. */
	private unidentified = 0;
	/** The statm just read: a new object is made only when the sizes have moved. */
	private readonly statmRead: ProcStatm = {sizePages: 0, residentPages: 0};
	private readonly parseStatm = (bytes: Buffer, length: number): boolean => parseStatmInto(bytes, length, this.statmRead);
	/** The processes holding their status open (the detailed ones): a short list, walked once per scan. */
	private readonly statusHolders: Tracked[] = [];

	constructor(
		private readonly files: Files,
		private readonly pageSize: number,
		/** The memory hierarchy, so each process can be placed in its cgroup (read once per process). */
		private readonly hierarchy: CgroupHierarchy | null = null,
	) {}

	scan(options: ScanOptions): Scan {
		this.tick++;
		// Listing /proc costs 1-2 ms per thousand processes, and on a quiet box nothing changed.
		let listedPids = options.sameProcesses ? this.listedPids : null;
		if (listedPids === null) {
			const listing = this.files.listDir(this.files.procRoot);
			if (!listing.ok) {
				this.listedPids = null;
				return {processes: [], hidden: 0, sources: {processes: listing.reason, pss: listing.reason}};
			}
			// map, then compact: an array made its size at once, not grown a push at a time (~3x the bytes).
			const pids = compact(listing.value.map(pidOf));
			this.listedTracked = this.carryTracked(pids);
			listedPids = this.listedPids = pids;
		}
		for (const pid of options.detailPids) {
			const tracked = this.tracked.get(pid);
			if (tracked !== undefined) tracked.detailTick = this.tick;
		}
		this.seen = 0;
		this.unread = 0;
		const read = listedPids.map(this.readListed, this);
		const listed = read.length;
		const processes = this.unread === 0 ? (read as ProcessSample[]) : compact(read);
		this.rowTracked.length = processes.length;
		// The unlisted are gone: most often they are the ones the new listing dropped, and when those
		// account for all, no walk over every tracked process to find them.
		for (const tracked of this.dropped) if (!tracked.gone && tracked.seenTick !== this.tick) this.forget(tracked);
		this.dropped.length = 0;
		if (this.seen !== this.tracked.size) {
			// forEach, not for-of: no [pid, tracked] pair made per process.
			this.tracked.forEach(tracked => {
				if (tracked.seenTick !== this.tick) this.forget(tracked);
			});
		}
		this.readIdentities(processes, options);
		const pss = this.addDetail(processes, options);
		return {processes, hidden: listed - processes.length, sources: {processes: 'ok', pss}};
	}

	close(): void {
		for (const tracked of this.tracked.values()) this.forget(tracked);
	}

	/** Closes what was kept open for a process and drops it; null, for readers that give up on it. */
	private forget(tracked: Tracked): null {
		const {pid} = tracked;
		tracked.statm?.close();
		tracked.stat?.close();
		tracked.statusFile?.close();
		tracked.statusFile = null;
		if (!tracked.identity) this.unidentified--;
		if (tracked.seenTick === this.tick) this.seen--;
		tracked.gone = true;
		this.tracked.delete(pid);
		return null;
	}

	/**
	 * Each pid's record from the last listing, placed for the new one. Both come in the order libuv's
	 * scandir sorts names in (as strings: 10 before 9), so one pass pairs them; a pid that pass misses
	 * is left undefined and looked up by pid, a record it passes over is kept in dropped.
	 */
	private carryTracked(pids: readonly number[]): Array<Tracked | undefined> {
		const lastPids = this.listedPids ?? [];
		const lastTracked = this.listedTracked;
		const carried = new Array<Tracked | undefined>(pids.length).fill(undefined);
		let j = 0;
		for (let i = 0; i < pids.length; i++) {
			const pid = pids[i]!;
			// Mostly the same pid in the same place: no names compared.
			if (lastPids[j] !== pid) for (; j < lastPids.length && namedBefore(lastPids[j]!, pid); j++) this.drop(lastTracked[j]);
			if (j < lastPids.length && lastPids[j] === pid) carried[i] = lastTracked[j++];
		}
		for (; j < lastPids.length; j++) this.drop(lastTracked[j]);
		return carried;
	}

	private drop(tracked: Tracked | undefined): void {
		if (tracked !== undefined && !tracked.gone) this.dropped.push(tracked);
	}

	/** The row of the index-th listed pid (null: gone, or unreadable). */
	private readListed(pid: number, index: number): ProcessSample | null {
		let tracked = this.listedTracked[index];
		// Forgotten since the listing (exited, or the pid reused): whatever tracks the pid now, if anything.
		if (tracked === undefined || tracked.gone) tracked = this.listedTracked[index] = this.tracked.get(pid);
		const row = tracked === undefined ? this.readNew(pid) : this.readOne(tracked);
		if (row === null) {
			this.unread++;
			return null;
		}
		// A first sight, or a pid found reused: the record that read it is the new one.
		if (tracked === undefined || tracked.gone) tracked = this.listedTracked[index] = this.tracked.get(pid)!;
		this.rowTracked[index - this.unread] = tracked;
		return row;
	}

	private keep(path: string): KeptFile | null {
		const kept = this.keepOpen(path);
		return kept.ok ? kept.value : null;
	}

	/** A file opened to keep; EIO once descriptors ran out (EMFILE), and plain reads from then on. */
	private readonly keepOpen = (path: string): Result<KeptFile> => {
		if (!this.canKeep) return fail('EIO', path);
		const kept = this.files.keep(path);
		if (!kept.ok && kept.reason === 'EIO') this.canKeep = false;
		return kept;
	};

	/** The kept file parsed from its bytes, or an open+read+close of /proc/PID/name when keeping failed (EMFILE). */
	private parseKeptOr<T>(kept: KeptFile | null, pid: number, name: string, parse: (bytes: Buffer, length: number) => T | null): T | null {
		if (kept) {
			const parsed = kept.parse(parse);
			return parsed.ok ? parsed.value : null;
		}
		const bytes = this.files.readBytes(this.files.proc(String(pid), name), 4096);
		return bytes.ok ? parse(bytes.value, bytes.value.length) : null;
	}

	/** First sight of a pid: its stat and statm, kept open. Who it is comes from readIdentity. */
	private track(pid: number): Tracked | null {
		const stat = this.keep(this.files.proc(String(pid), 'stat'));
		const parsed = this.parseKeptOr(stat, pid, 'stat', parseProcStatBytes);
		if (!parsed) {
			stat?.close();
			return null;
		}
		const kernelThread = isKernelThread(parsed);
		const tracked: Tracked = {
			pid,
			dir: this.files.proc(String(pid)),
			startTime: parsed.startTime,
			statm: this.keep(this.files.proc(String(pid), 'statm')),
			stat,
			last: parsed,
			statReadTick: this.tick,
			// Kernel threads are root's and have no command line: nothing more to read.
			identity: kernelThread,
			cmdline: '',
			cgroup: null,
			uid: kernelThread ? 0 : -1,
			kernelThread,
			pss: null,
			pssReadAt: -Infinity,
			pssRssPages: -1,
			pssCostMs: 0,
			fdCount: null,
			status: null,
			statusRssPages: -1,
			statusTick: -Infinity,
			statusFile: null,
			statusFileTick: -1,
			statmLast: null,
			sample: null,
			unchangedReads: 0,
			seenTick: this.tick,
			detailTick: -1,
			gone: false,
		};
		this.tracked.set(pid, tracked);
		this.seen++;
		if (!kernelThread) this.unidentified++;
		return tracked;
	}

	/**
	 * The files read once per process: owner (status), command line, cgroup. Four opens each make
	 * a first look at a thousand processes cost ~250 ms, so a scan reads them for the processes on
	 * screen (the largest, the focused) and, after the first, IDENTITY_PER_SCAN more, largest first.
	 */
	private readIdentities(processes: ProcessSample[], options: ScanOptions): void {
		if (this.unidentified === 0) return;
		const pending: number[] = [];
		for (let i = 0; i < processes.length; i++) if (!this.rowTracked[i]!.identity) pending.push(i);
		if (pending.length === 0) return;
		const focused = (i: number) => Number(options.detailPids.has(processes[i]!.pid));
		pending.sort((a, b) => focused(b) - focused(a) || processes[b]!.rssBytes - processes[a]!.rssBytes);
		// The first scan holds up the first frame: only the rows it will show.
		const count = options.detailTop + (this.tick === 1 ? 0 : IDENTITY_PER_SCAN);
		for (const [n, i] of pending.entries()) {
			const p = processes[i]!;
			if (n >= count && !options.detailPids.has(p.pid)) break;
			const tracked = this.rowTracked[i]!;
			const status = this.files.readBytes(this.files.proc(String(p.pid), 'status'), 16384);
			const cmdline = this.files.readBytes(this.files.proc(String(p.pid), 'cmdline'), 4096);
			const cgroup = cgroupOfPid(this.files, p.pid, this.hierarchy ?? undefined);
			tracked.identity = true;
			this.unidentified--;
			tracked.cmdline = cmdline.ok ? this.internCmdline(sanitizeCmdline(cmdline.value)) : '';
			tracked.cgroup = cgroup.ok ? this.placement(cgroup.value.path, cgroup.value.kind === 'root' ? '' : cgroup.value.name) : null;
			// A process whose status cannot be read is unknown, not root.
			tracked.uid = status.ok ? (parseProcStatusBytes(status.value).uid ?? -1) : -1;
			// A new row: the old one may have been handed out already.
			processes[i] = this.row(p.pid, tracked);
		}
	}

	private internCmdline(text: string): string {
		const known = this.cmdlines.get(text);
		if (known !== undefined) return known;
		if (this.cmdlines.size >= INTERN_MAX) this.cmdlines.clear();
		this.cmdlines.set(text, text);
		return text;
	}

	/** The cgroup path and name of a process, copied once per cgroup: slices of /proc/PID/cgroup would keep its whole text alive. */
	private placement(path: string, name: string): {path: string; name: string} {
		const known = this.placements.get(path);
		if (known !== undefined && known.name === name) return known;
		if (this.placements.size >= INTERN_MAX) this.placements.clear();
		const copied = {path: copyString(path), name: copyString(name)};
		this.placements.set(copied.path, copied);
		return copied;
	}

	/** A tracked process listed again: its files re-read as the schedule says, or its last row. */
	private readOne(tracked: Tracked): ProcessSample | null {
		const pid = tracked.pid;
		// A pid that turns out gone is forgotten below, whatever its stamp.
		tracked.seenTick = this.tick;
		this.seen++;
		const detailed = tracked.detailTick === this.tick;
		// Most processes sit still: one whose size has not moved for QUIET_AFTER reads is read every
		// QUIET_EVERY ticks (its last size carried between), one still for longer every LONG_QUIET_EVERY,
		// until it moves again. A leak moves every tick. Its stat comes with a read on a STAT_EVERY_TICKS tick.
		const unchanged = tracked.unchangedReads;
		if (!detailed && unchanged >= QUIET_AFTER && (this.tick + pid) % (unchanged >= LONG_QUIET_AFTER ? LONG_QUIET_EVERY : QUIET_EVERY) !== 0) {
			return tracked.sample ?? this.row(pid, tracked);
		}
		const statm = this.readStatm(pid, tracked);
		// Exited, or the pid reused since: a fresh look decides which.
		if (statm === null) return this.readAgain(tracked);
		// A zombie's statm is all zeros: its state must be seen now, not in a few ticks.
		if (detailed || statm.residentPages === 0 || (this.tick + pid) % STAT_EVERY_TICKS === 0) {
			const stat = this.readStat(pid, tracked);
			if (stat === null) return this.forget(tracked);
			if (stat.startTime !== tracked.startTime) return this.readAgain(tracked);
			this.restat(tracked, stat);
		}
		return tracked.sample ?? this.row(pid, tracked);
	}

	/** First sight of a pid: tracked, and its statm read (its stat was, by track). */
	private readNew(pid: number): ProcessSample | null {
		const tracked = this.track(pid);
		if (tracked === null) return null;
		if (this.readStatm(pid, tracked) === null) return this.forget(tracked);
		return this.row(pid, tracked);
	}

	/** The pid's files no longer read as the process tracked: forgotten, and looked at afresh. */
	private readAgain(tracked: Tracked): ProcessSample | null {
		this.forget(tracked);
		return this.readNew(tracked.pid);
	}

	/** statm re-read, parsed from its bytes; null when it cannot be (gone, or reused). */
	private readStatm(pid: number, tracked: Tracked): ProcStatm | null {
		const read = this.statmRead;
		if (!this.parseKeptOr(tracked.statm, pid, 'statm', this.parseStatm)) return null;
		const last = tracked.statmLast;
		if (last !== null && read.residentPages === last.residentPages && read.sizePages === last.sizePages) {
			tracked.unchangedReads++;
			return last;
		}
		const statm = {sizePages: read.sizePages, residentPages: read.residentPages};
		tracked.unchangedReads = 0;
		tracked.statmLast = statm;
		tracked.sample = null;
		return statm;
	}

	private readStat(pid: number, tracked: Tracked): ProcStat | null {
		return this.parseKeptOr(tracked.stat, pid, 'stat', parseProcStatBytes);
	}

	/** A new stat reading of the same process: the row goes when what it shows has changed. */
	private restat(tracked: Tracked, stat: ProcStat): void {
		const last = tracked.last;
		// A new comm is an exec: a new command line, and perhaps a new owner (setuid).
		if (stat.comm !== last.comm && !tracked.kernelThread && tracked.identity) {
			tracked.identity = false;
			this.unidentified++;
		}
		if (stat.comm !== last.comm || stat.state !== last.state || stat.ppid !== last.ppid) tracked.sample = null;
		tracked.last = stat;
		tracked.statReadTick = this.tick;
	}

	/** The row of a tracked process from its last readings, kept until what it shows changes. */
	private row(pid: number, tracked: Tracked): ProcessSample {
		const stat = tracked.last;
		const statm = tracked.statmLast!;
		tracked.sample = {
			pid,
			startTime: stat.startTime,
			ppid: stat.ppid,
			comm: printable(stat.comm),
			state: stat.state,
			uid: tracked.uid,
			user: this.userName(tracked.uid),
			cmdline: tracked.cmdline,
			kernelThread: tracked.kernelThread,
			rssBytes: statm.residentPages * this.pageSize,
			vszBytes: statm.sizePages * this.pageSize,
			anonBytes: null,
			fileBytes: null,
			shmemBytes: null,
			swapBytes: null,
			threads: null,
			pssBytes: tracked.pss?.pssBytes ?? null,
			pssAnonBytes: tracked.pss?.pssAnonBytes ?? null,
			pssFileBytes: tracked.pss?.pssFileBytes ?? null,
			pssShmemBytes: tracked.pss?.pssShmemBytes ?? null,
			swapPssBytes: tracked.pss?.swapPssBytes ?? null,
			ussBytes: tracked.pss?.ussBytes ?? null,
			fdCount: null,
			cgroup: tracked.cgroup?.path ?? null,
			container: tracked.cgroup?.name || null,
		};
		return tracked.sample;
	}

	private addDetail(processes: ProcessSample[], options: ScanOptions): 'ok' | Reason {
		// Rows may be shared with the last scan (a quiet process's): detail goes into copies.
		const chosen = chooseDetail(processes, options);
		const detail: ProcessSample[] = [];
		const detailTracked: Tracked[] = [];
		for (const i of chosen) {
			detail.push((processes[i] = copyRow(processes[i]!)));
			detailTracked.push(this.rowTracked[i]!);
		}
		for (let d = 0; d < detail.length; d++) {
			const p = detail[d]!;
			const tracked = detailTracked[d]!;
			const focused = options.detailPids.has(p.pid);
			// RssAnon, RssFile, RssShmem and VmSwap move with RSS (swapping moves it too): a process
			// whose RSS stands still keeps its last reading for a while, the focused are read every scan.
			const rss = tracked.statmLast?.residentPages ?? -1;
			tracked.statusFileTick = this.tick;
			const fresh = rss === tracked.statusRssPages && this.tick - tracked.statusTick < STATUS_CARRY_TICKS && !focused;
			if (!fresh) {
				// With pssAll every process is detailed: a third descriptor each is not worth it.
				const status = options.pssAll ? this.readStatusByPath(tracked) : this.readStatus(tracked);
				tracked.status = status.ok ? status.value : null;
				tracked.statusRssPages = rss;
				tracked.statusTick = this.tick;
			}
			if (tracked.status) applyStatus(p, tracked.status);
			// Listing a big fd table costs; an fd leak is a trend over minutes, so count every few ticks.
			if (tracked.fdCount === null || focused || (this.tick + p.pid) % STAT_EVERY_TICKS === 0) {
				tracked.fdCount = this.countFds(tracked);
			}
			p.fdCount = tracked.fdCount;
		}
		// One that left the detailed rows gives its status back: detailTop bounds what stays open.
		let holding = 0;
		for (const tracked of this.statusHolders) {
			if (tracked.statusFile === null) continue;
			if (tracked.statusFileTick === this.tick) {
				this.statusHolders[holding++] = tracked;
				continue;
			}
			tracked.statusFile.close();
			tracked.statusFile = null;
		}
		this.statusHolders.length = holding;
		// PSS under a time budget: the pids watched every scan, then the focused, then the least
		// recently read; a reading younger than its refresh time stands, one that would overrun waits.
		const started = performance.now();
		const now = started;
		const watched = (d: number) => options.pssPids?.has(detail[d]!.pid) ?? false;
		const rank = (d: number) => (watched(d) ? 2 : options.detailPids.has(detail[d]!.pid) ? 1 : 0);
		const due = (d: number) => {
			const tracked = detailTracked[d]!;
			const age = now - tracked.pssReadAt;
			const rss = tracked.statmLast?.residentPages ?? 0;
			// A page or two either way is a busy process breathing, not a change worth a walk of its page tables.
			const moved = Math.abs(rss - tracked.pssRssPages) >= Math.max(PSS_MOVED_BYTES / this.pageSize, rss / 64);
			return age >= PSS_QUIET_REFRESH_MS || (age >= PSS_REFRESH_MS && moved);
		};
		const order: number[] = [];
		for (let d = 0; d < detail.length; d++) if (options.pssAll || watched(d) || due(d)) order.push(d);
		order.sort((a, b) => rank(b) - rank(a) || detailTracked[a]!.pssReadAt - detailTracked[b]!.pssReadAt);
		let failure: Reason | null = null;
		let anyOk = false;
		let budgeted = 0;
		for (const d of order) {
			const p = detail[d]!;
			const tracked = detailTracked[d]!;
			const spent = performance.now() - started;
			if (!options.pssAll && !watched(d)) {
				// The first scan holds up the first frame: PSS (tens of ms for big processes) waits a tick.
				// After that one read always goes ahead, however much it costs, so the first in line (a
				// growing process) is never starved by its own size.
				if (this.tick === 1 || (budgeted > 0 && spent + tracked.pssCostMs > options.pssBudgetMs)) continue;
				budgeted++;
			}
			const before = performance.now();
			const text = this.files.readText(`${tracked.dir}/smaps_rollup`, 8192);
			tracked.pssReadAt = performance.now();
			tracked.pssCostMs = tracked.pssReadAt - before;
			tracked.pssRssPages = tracked.statmLast?.residentPages ?? -1;
			const rollup = text.ok ? parseSmapsRollup(text.value) : null;
			if (!text.ok) failure ??= text.reason;
			if (!rollup) continue;
			anyOk = true;
			tracked.pss = rollup;
			tracked.sample = null;
			p.pssBytes = rollup.pssBytes;
			p.pssAnonBytes = rollup.pssAnonBytes;
			p.pssFileBytes = rollup.pssFileBytes;
			p.pssShmemBytes = rollup.pssShmemBytes;
			p.swapPssBytes = rollup.swapPssBytes;
			p.ussBytes = rollup.ussBytes;
		}
		return anyOk || failure === null ? 'ok' : failure;
	}

	/** status of a detailed process, through a descriptor kept while it stays detailed (re-read when its RSS moves). */
	private readStatus(tracked: Tracked): Result<ProcStatus> {
		if (tracked.statusFile === null) {
			tracked.statusFile = new KeptPath(this.files, `${tracked.dir}/status`, {maxBytes: STATUS_MAX_BYTES, open: this.keepOpen});
			this.statusHolders.push(tracked);
		}
		return tracked.statusFile.parse(parseProcStatusBytes);
	}

	private readStatusByPath(tracked: Tracked): Result<ProcStatus> {
		const bytes = this.files.readBytes(`${tracked.dir}/status`, STATUS_MAX_BYTES);
		return bytes.ok ? ok(parseProcStatusBytes(bytes.value)) : bytes;
	}

	/**
	 * Open descriptors of a process. Listing /proc/PID/fd makes the kernel build a dentry per fd
	 * (~90 µs for a handful); since Linux 6.2 a stat of the directory gives the count for free.
	 */
	private countFds(tracked: Tracked): number | null {
		if (this.fdSizeIsCount === null) {
			// Listing our own fds opens one more (the directory itself); a fixture tree's directory has a byte size.
			const size = this.files.size(this.files.proc('self', 'fd'));
			const listed = this.files.listDir(this.files.proc('self', 'fd'));
			this.fdSizeIsCount = size.ok && listed.ok && size.value > 0 && (listed.value.length === size.value || listed.value.length === size.value + 1);
		}
		const path = `${tracked.dir}/fd`;
		if (this.fdSizeIsCount) {
			const size = this.files.size(path);
			if (size.ok) return size.value;
		}
		const fds = this.files.listDir(path);
		return fds.ok ? fds.value.length : null;
	}

	private userName(uid: number): string {
		if (!this.users) {
			const passwd = this.files.readText(this.files.etc('passwd'), 1024 * 1024);
			this.users = passwd.ok ? parsePasswd(passwd.value) : new Map();
		}
		return uid < 0 ? '?' : (this.users.get(uid) ?? String(uid));
	}
}

/**
 * Indices of the rows read in detail, largest RSS first and ties in listing order (as a stable
 * sort of them all would put them): the detailTop largest live user processes and the focused
 * ones, or with pssAll all of them. The largest are kept in a short sorted list as the rows go
 * by, not found by sorting a thousand rows each tick.
 */
export function chooseDetail(processes: readonly ProcessSample[], options: Pick<ScanOptions, 'detailTop' | 'detailPids' | 'pssAll'>): number[] {
	const bySize = (a: number, b: number) => processes[b]!.rssBytes - processes[a]!.rssBytes || a - b;
	const top: number[] = [];
	const focused: number[] = [];
	const keep = options.detailTop;
	const {detailPids, pssAll} = options;
	const anyFocused = detailPids.size > 0;
	// Once the list is full, the RSS a row must beat to get in: most rows are one comparison.
	let floor = -Infinity;
	for (let i = 0; i < processes.length; i++) {
		const p = processes[i]!;
		if (p.kernelThread || p.state === 'Z') continue;
		if (pssAll) {
			top.push(i);
			continue;
		}
		const rss = p.rssBytes;
		if (top.length < keep || rss > floor) {
			// Later rows go after earlier ones of the same size: only a strictly larger one moves up.
			let at = top.length;
			while (at > 0 && processes[top[at - 1]!]!.rssBytes < rss) at--;
			top.splice(at, 0, i);
			if (top.length > keep) {
				const dropped = top.pop()!;
				if (anyFocused && detailPids.has(processes[dropped]!.pid)) focused.push(dropped);
			}
			if (keep > 0 && top.length === keep) floor = processes[top[keep - 1]!]!.rssBytes;
		} else if (anyFocused && detailPids.has(p.pid)) {
			focused.push(i);
		}
	}
	if (pssAll) return top.sort(bySize);
	return focused.length === 0 ? top : top.concat(focused).sort(bySize);
}

/** Whether a's decimal name sorts before b's as strings do ('10' < '9'), without making them. */
function namedBefore(a: number, b: number): boolean {
	// Padded with zeros to one length (a·10^digits(b) against b·10^digits(a)), names compare as numbers.
	let tenA = 10;
	while (tenA <= a) tenA *= 10;
	let tenB = 10;
	while (tenB <= b) tenB *= 10;
	const paddedA = a * tenB;
	const paddedB = b * tenA;
	return paddedA < paddedB || (paddedA === paddedB && a < b);
}

/** The pid a /proc entry names, or null for the entries that are not processes. */
function pidOf(name: string): number | null {
	const code = name.charCodeAt(0);
	return code >= 48 && code <= 57 ? Number(name) : null;
}

/** The array without its nulls, in place. */
function compact<T>(items: Array<T | null>): T[] {
	let n = 0;
	for (let i = 0; i < items.length; i++) {
		const item = items[i] as T | null;
		if (item !== null) items[n++] = item;
	}
	items.length = n;
	return items as T[];
}

/**
 * A copy of a row with the hidden class of the scanner's own: a spread would make another, and
 * rows of several shapes make every loop over them (here and in the store) slower.
 */
function copyRow(p: ProcessSample): ProcessSample {
	return {
		pid: p.pid,
		startTime: p.startTime,
		ppid: p.ppid,
		comm: p.comm,
		state: p.state,
		uid: p.uid,
		user: p.user,
		cmdline: p.cmdline,
		kernelThread: p.kernelThread,
		rssBytes: p.rssBytes,
		vszBytes: p.vszBytes,
		anonBytes: p.anonBytes,
		fileBytes: p.fileBytes,
		shmemBytes: p.shmemBytes,
		swapBytes: p.swapBytes,
		threads: p.threads,
		pssBytes: p.pssBytes,
		pssAnonBytes: p.pssAnonBytes,
		pssFileBytes: p.pssFileBytes,
		pssShmemBytes: p.pssShmemBytes,
		swapPssBytes: p.swapPssBytes,
		ussBytes: p.ussBytes,
		fdCount: p.fdCount,
		cgroup: p.cgroup,
		container: p.container,
	};
}

function applyStatus(p: ProcessSample, status: ProcStatus): void {
	p.anonBytes = status.rssAnonBytes;
	p.fileBytes = status.rssFileBytes;
	p.shmemBytes = status.rssShmemBytes;
	p.swapBytes = status.swapBytes;
	p.threads = status.threads;
}

/** A copy of a string that holds nothing else alive (V8 keeps a sliced string's whole parent). */
function copyString(text: string): string {
	return Buffer.from(text, 'utf8').toString('utf8');
}
