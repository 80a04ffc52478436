import {detectCgroupHierarchy, readCgroups, type CgroupHierarchy, type CgroupMemo} from '../probe/cgroup.js';
import {selfContainer} from '../probe/cgroupContainer.js';
import {Files, KeptPath} from '../probe/files.js';
import {parseUptime, readHostFacts} from '../probe/host.js';
import {isBlank, LineNames} from '../probe/bytes.js';
import {parseMeminfoBytes} from '../probe/meminfo.js';
import {ProcessScanner, type Scan} from '../probe/processTable.js';
import {fail, ok, type Reason, type Result} from '../probe/result.js';
import type {DrillReading, DrillTarget, HostFacts, KernelStat, ProcessSample, Sample, SelfFacts, SlabSample} from '../probe/sample.js';
import {readSlabDetail} from '../probe/slabDetail.js';
import {readSmaps, type SmapsReading} from '../probe/smaps.js';
import {annotateSlabs, readSlabsFromSysfs, readSlabTopology, SlabinfoReader, unknownSlabNames, type SlabTopology} from '../probe/slab.js';
import {parseLoadavgThreads, parsePressure, parseStat, parseVmstatBytes} from '../probe/vmstat.js';

/** Where Samples come from: the live machine, or a recording being replayed. */
export interface Source {
	readonly kind: 'live' | 'replay';
	/** The next sample, or null when a recording has run out. */
	next(): Sample | null;
	/** Asks for more detail on some pids from now on (see Focus). */
	focus?(focus: Focus): void;
	/** Asks for a closer reading of one process or slab cache in every Sample from now on (null: none). */
	drill?(target: DrillTarget | null): void;
	close(): void;
}

/** Pids that matter beyond their size. */
export interface Focus {
	/** status and fd count every tick (the selected, the growing, the drilled). */
	detail: ReadonlySet<number>;
	/** PSS every tick too, outside the budget: the ones a person is looking at. */
	pss: ReadonlySet<number>;
}

export interface LiveOptions {
	files?: Files;
	detailTop?: number;
	pssBudgetMs?: number;
	pssAll?: boolean;
	/** Wall and monotonic clocks, injectable for tests. */
	now?: () => number;
	monotonic?: () => number;
	/** Walk the memory cgroups at most this often (default 5 s). */
	cgroupEveryMs?: number;
}

const TOPOLOGY_REFRESH_MS = 60_000;
/** A cache slabinfo shows and the topology does not know brings the refresh forward, but not sooner than this after the last. */
const TOPOLOGY_EARLY_MS = 5_000;
/** Cgroups change slowly and cost 2-5 reads each: walk them at most this often by default. */
const CGROUP_EVERY_MS = 5_000;
/**
 * slabinfo is the dearest file of a tick (~0.7 ms of kernel time here: the kernel walks every cache's
 * partial slabs with interrupts off), and a cache's size can only move with the slab total meminfo
 * gives: while that stands still, the last reading stands, for this long at most (for the counts of
 * objects, which move inside slabs already there).
 */
const SLABS_CARRY_MS = 5_000;
/** A smaps read longer than this is worth saying (30,000 mappings take ~130 ms here). */
const SLOW_SMAPS_MS = 100;
/** An expensive smaps is re-read no more than this share of the time (its read takes the mmap lock). */
const SMAPS_DUTY = 0.1;

const PENDING_CGROUPS = {cgroups: null, cgroupMode: null, reason: 'PENDING'} as const;

/** A file that is all white space (its source says EMPTY, not PARSE). */
const BLANK = Symbol('blank');

/** A text parser, for a file read as bytes. */
const asText =
	<T>(parse: (text: string) => T) =>
	(bytes: Buffer, length: number): T =>
		parse(bytes.toString('utf8', 0, length));
const parseStatText = asText(parseStat);
const parsePressureText = asText(parsePressure);

/** Reads the machine. Files that are absent or forbidden are probed once and not retried per tick. */
export class LiveSource implements Source {
	readonly kind = 'live';
	/** Our own pid as this procfs numbers it (another pid namespace, or a fixture tree, may have none). */
	private readonly selfPid: number | null;
	private readonly files: Files;
	private readonly host: HostFacts;
	private readonly self: SelfFacts;
	private readonly scanner: ProcessScanner;
	private readonly options: Required<Omit<LiveOptions, 'files'>>;
	private focused: Focus = {detail: new Set(), pss: new Set()};
	private pressureReason: Reason | null = null;
	private slabinfoReason: Reason | null = null;
	private topology: Result<SlabTopology> | null = null;
	private topologyReadAt = 0;
	/** Names slabinfo showed that were unknown to the topology when they last brought a refresh forward: still unknown after it, they do not again. */
	private slabNamesUnplaced: ReadonlySet<string> = new Set();
	private readonly cgroupMemo: CgroupMemo = {};
	private cgroupsReadAt = -Infinity;
	private lastCgroups: Pick<Sample, 'cgroups' | 'cgroupMode'> & {reason: 'ok' | Reason} = {cgroups: null, cgroupMode: null, reason: 'ENOENT'};
	private drillTarget: DrillTarget | null = null;
	private lastSmaps: {pid: number; smaps: Result<SmapsReading>; monoMs: number} | null = null;
	/** Keeps last tick's slabinfo: an unchanged line is not parsed again. */
	private readonly slabinfoReader: SlabinfoReader;
	/** meminfo's and vmstat's names, remembered from the last tick (the kernel prints the same ones in the same order). */
	private readonly meminfoNames = new LineNames();
	private readonly vmstatNames = new LineNames();
	private slabinfoRead = false;
	/** The last slab reading that may stand for the next ticks, with meminfo's slab total and the time it was read at. */
	private slabsCarried: {slabs: Result<SlabSample[]>; slabBytes: number; monoMs: number} | null = null;
	/** Fork counter and thread count at the last tick. */
	private countersKey: string | null = null;
	private processesDeferred = false;
	/** The machine-wide files read every tick, kept open as the scanner keeps each process's (meminfo, stat, loadavg… are formatted whole by each read; vmstat and slabinfo come a page at a time). */
	private readonly kept: Record<'meminfo' | 'vmstat' | 'stat' | 'pressure' | 'loadavg' | 'uptime' | 'slabinfo', KeptPath>;

	constructor(options: LiveOptions = {}) {
		this.files = options.files ?? new Files();
		const keep = (name: string, maxBytes: number, manyRecords = false) => new KeptPath(this.files, this.files.proc(name), {maxBytes, manyRecords, retryByPath: true});
		this.kept = {
			meminfo: keep('meminfo', 1024 * 1024),
			vmstat: keep('vmstat', 1024 * 1024, true),
			stat: keep('stat', 1024 * 1024),
			pressure: keep('pressure/memory', 1024 * 1024),
			loadavg: keep('loadavg', 256),
			uptime: keep('uptime', 256),
			slabinfo: keep('slabinfo', 4 * 1024 * 1024, true),
		};
		const self = this.files.readLink(this.files.proc('self'));
		this.selfPid = self.ok && /^\d+$/.test(self.value) ? Number(self.value) : null;
		this.host = readHostFacts(this.files);
		this.cgroupMemo.hierarchy = detectCgroupHierarchy(this.files);
		const hierarchy = this.cgroupMemo.hierarchy.ok && this.cgroupMemo.hierarchy.value.mode !== 'none' ? this.cgroupMemo.hierarchy.value : null;
		this.scanner = new ProcessScanner(this.files, this.host.pageSize, hierarchy);
		this.slabinfoReader = new SlabinfoReader(this.host.pageSize);
		this.self = readSelfFacts(this.files, this.cgroupMemo.hierarchy, hierarchy);
		this.options = {
			cgroupEveryMs: options.cgroupEveryMs ?? CGROUP_EVERY_MS,
			detailTop: options.detailTop ?? 20,
			pssBudgetMs: options.pssBudgetMs ?? 2,
			pssAll: options.pssAll ?? false,
			now: options.now ?? Date.now,
			monotonic: options.monotonic ?? (() => performance.timeOrigin + performance.now()),
		};
	}

	get hostFacts(): HostFacts {
		return this.host;
	}

	focus(focus: Focus): void {
		this.focused = focus;
	}

	drill(target: DrillTarget | null): void {
		this.drillTarget = target;
		this.lastSmaps = null;
	}

	/**
	 * The next sample leaves processes and cgroups out (their sources 'PENDING'), for a first frame drawn
	 * before the first scan of /proc: opening every /proc/PID the first time costs ~70 µs a process,
	 * ~0.2 s at 1000 processes and over a second at 5000 on a busy box.
	 */
	deferProcesses(): void {
		this.processesDeferred = true;
	}

	next(): Sample {
		const sources: Record<string, 'ok' | Reason> = {};
		const read = <T>(name: string, kept: KeptPath, parse: (bytes: Buffer, length: number) => T | null): T | null => {
			const parsed = kept.parse((bytes, length) => (isBlank(bytes, length) ? BLANK : parse(bytes, length)));
			if (!parsed.ok) {
				sources[name] = parsed.reason;
				return null;
			}
			const value = parsed.value === BLANK ? null : parsed.value;
			sources[name] = parsed.value === BLANK ? 'EMPTY' : value === null ? 'PARSE' : 'ok';
			return value;
		};
		const monoMs = this.options.monotonic();
		const meminfo = read('meminfo', this.kept.meminfo, (bytes, length) => {
			const parsed = parseMeminfoBytes(bytes, length, this.meminfoNames);
			return parsed.MemTotal === undefined ? null : parsed;
		});
		const vmstat = read('vmstat', this.kept.vmstat, (bytes, length) => parseVmstatBytes(bytes, length, this.vmstatNames));
		const stat = read('stat', this.kept.stat, parseStatText);
		let pressure = null;
		if (this.pressureReason) {
			sources.pressure = this.pressureReason;
		} else {
			pressure = read('pressure', this.kept.pressure, parsePressureText);
			// Absent, or present but EOPNOTSUPP with psi=0: a kernel fact, not worth a read per tick.
			if (sources.pressure !== 'ok') this.pressureReason = sources.pressure!;
		}
		const scan: Scan = this.processesDeferred ? {processes: [], hidden: 0, sources: {processes: 'PENDING', pss: 'PENDING'}} : this.scanner.scan({
			sameProcesses: this.sameProcesses(stat),
			detailTop: this.options.detailTop,
			detailPids: this.focused.detail,
			pssPids: this.focused.pss,
			pssBudgetMs: this.options.pssBudgetMs,
			pssAll: this.options.pssAll,
		});
		sources.processes = scan.sources.processes;
		sources.pss = scan.sources.pss;
		const slabs = this.readSlabsWhenMoved(meminfo?.Slab ?? null, monoMs);
		sources.slabs = slabs.ok ? 'ok' : slabs.reason;
		// Cgroups wait with the processes: a memory.stat per cgroup, and the table is not on the first frame.
		const cgroups = this.processesDeferred ? PENDING_CGROUPS : this.readCgroups(monoMs);
		sources.cgroups = cgroups.reason;
		this.processesDeferred = false;
		return {
			timeMs: this.options.now(),
			monoMs,
			host: {...this.host, uptimeSec: this.readUptime()},
			meminfo,
			vmstat,
			stat,
			pressure,
			processes: scan.processes,
			processCount: scan.processes.length,
			processesHidden: scan.hidden,
			slabs: slabs.ok ? slabs.value : null,
			selfPid: this.selfPid,
			cgroups: cgroups.cgroups,
			cgroupMode: cgroups.cgroupMode,
			sources,
			drill: this.readDrill(scan.processes, monoMs),
			self: this.self,
		};
	}

	/**
	 * True when no task was created (the fork counter in /proc/stat) and none reaped (the thread
	 * count in /proc/loadavg) since the last tick: both are kernel-wide, so this holds in any pid namespace.
	 */
	private sameProcesses(stat: KernelStat | null): boolean {
		const loadavg = this.kept.loadavg.read();
		const threads = loadavg.ok ? parseLoadavgThreads(loadavg.value) : null;
		const key = stat?.forks === undefined || threads === null ? null : `${stat.forks}/${threads}`;
		const same = key !== null && key === this.countersKey;
		this.countersKey = key;
		return same;
	}

	private readDrill(processes: ProcessSample[], monoMs: number): DrillReading | null {
		const target = this.drillTarget;
		if (target === null) return null;
		if (target.kind === 'slab') return {kind: 'slab', name: target.name, detail: readSlabDetail(this.files, target.name)};
		const {pid} = target;
		const process = processes.find(p => p.pid === pid) ?? null;
		const last = this.lastSmaps?.pid === pid ? this.lastSmaps : null;
		// Once per tick at most, and an expensive one less often: it takes the target's mmap lock.
		const due = last === null || !last.smaps.ok || monoMs - last.monoMs >= last.smaps.value.readMs / SMAPS_DUTY || process === null;
		if (due) this.lastSmaps = {pid, smaps: readSmaps(this.files, pid), monoMs};
		const {smaps, monoMs: smapsMonoMs} = this.lastSmaps!;
		const warning =
			smaps.ok && smaps.value.readMs > SLOW_SMAPS_MS
				? `smaps took ${Math.round(smaps.value.readMs)} ms (${smaps.value.mappings.length} mappings): re-read every ${Math.max(1, Math.round(smaps.value.readMs / SMAPS_DUTY / 1000))} s at most`
				: null;
		return {kind: 'process', pid, process, smaps, smapsMonoMs, warning};
	}

	close(): void {
		this.scanner.close();
		for (const kept of Object.values(this.kept)) kept.close();
	}

	private readUptime(): number | null {
		const text = this.kept.uptime.read();
		return text.ok ? parseUptime(text.value) : null;
	}

	private readCgroups(monoMs: number): LiveSource['lastCgroups'] {
		if (monoMs - this.cgroupsReadAt < this.options.cgroupEveryMs) return this.lastCgroups;
		this.cgroupsReadAt = monoMs;
		const reading = readCgroups(this.files, {memo: this.cgroupMemo});
		this.lastCgroups = reading.ok
			? {cgroups: reading.value.cgroups, cgroupMode: reading.value.mode, reason: 'ok'}
			: {cgroups: null, cgroupMode: null, reason: reading.reason};
		return this.lastCgroups;
	}

	private slabTopology(): Result<SlabTopology> {
		const now = this.options.monotonic();
		if (!this.topology || now - this.topologyReadAt > TOPOLOGY_REFRESH_MS || this.slabCacheAppeared(now)) {
			// The last read's reclaim flags stand for the caches it already knew: only new ones are read.
			this.topology = readSlabTopology(this.files, this.topology?.ok ? this.topology.value : undefined);
			this.topologyReadAt = now;
		}
		return this.topology;
	}

	/** slabinfo named a cache the topology has not placed (a module loaded since it was read) and that has not already brought a refresh forward. */
	private slabCacheAppeared(now: number): boolean {
		if (!this.topology?.ok || now - this.topologyReadAt < TOPOLOGY_EARLY_MS || !this.slabNamesToPlace()) return false;
		this.slabNamesUnplaced = new Set(unknownSlabNames(this.topology.value));
		return true;
	}

	/** slabinfo named caches the topology does not know, and not all of them have brought a refresh forward yet. */
	private slabNamesToPlace(): boolean {
		return this.topology?.ok === true && unknownSlabNames(this.topology.value).some(name => !this.slabNamesUnplaced.has(name));
	}

	/**
	 * The slab caches, or the last reading while meminfo's slab total has not moved since it (and for
	 * SLABS_CARRY_MS at most). Not the first reading (no aliases yet, see readSlabs), not one that met
	 * a cache to place, and not where lxcfs serves meminfo: its total is the container's, slabinfo the
	 * host's. A cache drilled into has its row read every tick.
	 */
	private readSlabsWhenMoved(slabBytes: number | null, monoMs: number): Result<SlabSample[]> {
		const last = this.slabsCarried;
		const drilled = this.drillTarget?.kind === 'slab';
		if (last !== null && !drilled && slabBytes === last.slabBytes && monoMs - last.monoMs < SLABS_CARRY_MS) return last.slabs;
		const slabs = this.readSlabs();
		// A cache the topology does not know yet is placed by the next reading (slabTopology).
		const carry = slabs.ok && slabBytes !== null && this.topology?.ok === true && !this.slabNamesToPlace() && !this.self.container?.lxcfs;
		this.slabsCarried = carry ? {slabs, slabBytes, monoMs} : null;
		return slabs;
	}

	private readSlabs(): Result<SlabSample[]> {
		if (this.slabinfoReason === null) {
			const read = this.kept.slabinfo.parse(this.slabinfoReader.parse);
			const parsed = read.ok ? read.value : read;
			if (parsed.ok) {
				// Aliases and reclaimability come from a walk of /sys/kernel/slab (~10 ms): not before the first frame.
				const topology = this.slabinfoRead ? this.slabTopology() : null;
				this.slabinfoRead = true;
				return ok(topology?.ok ? annotateSlabs(parsed.value.slabs, topology.value) : parsed.value.slabs);
			}
			// Permission and format do not change while we run: fall back to sysfs from now on.
			this.slabinfoReason = parsed.reason;
		}
		const topology = this.slabTopology();
		if (!topology.ok) return fail(this.slabinfoReason === 'EACCES' ? 'EACCES' : topology.reason);
		const slabs = readSlabsFromSysfs(this.files, topology.value, this.host.pageSize);
		return slabs.ok && slabs.value.length === 0 ? fail(this.slabinfoReason ?? 'EMPTY') : slabs;
	}
}

/** leaktop's container (read once: it does not change while leaktop runs) and why cgroups may be missing. */
function readSelfFacts(files: Files, detected: Result<CgroupHierarchy>, hierarchy: CgroupHierarchy | null): SelfFacts {
	const cgroupNote = detected.ok ? detected.value.note : `the cgroup mounts cannot be read (${detected.reason})`;
	const self = selfContainer(files, hierarchy);
	if (!self.ok || !self.value.inContainer) return {container: null, cgroupNote};
	const {kind, name, cgroup, effectiveLimitBytes, lxcfsFiles} = self.value;
	return {
		container: {
			kind,
			name,
			cgroupPath: cgroup?.path ?? null,
			limitBytes: effectiveLimitBytes ?? cgroup?.limitBytes ?? null,
			usageBytes: cgroup?.usageBytes ?? null,
			lxcfs: lxcfsFiles.length > 0,
		},
		cgroupNote,
	};
}
