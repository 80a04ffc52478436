import {detectCgroupHierarchy, readCgroups, type CgroupMemo} from '../probe/cgroup.js';
import {Files} from '../probe/files.js';
import {readHostFacts, readUptime} from '../probe/host.js';
import {parseMeminfo} from '../probe/meminfo.js';
import {ProcessScanner} from '../probe/processTable.js';
import {fail, ok, type Reason, type Result} from '../probe/result.js';
import type {HostFacts, Sample, SlabSample} from '../probe/sample.js';
import {annotateSlabs, parseSlabinfo, readSlabsFromSysfs, readSlabTopology, type SlabTopology} from '../probe/slab.js';
import {parsePressure, parseStat, parseVmstat} from '../probe/vmstat.js';

/** Where Samples come from: the live machine, or a recording being replayed. */
export interface Source {
	readonly kind: 'live' | 'replay';
	/** The next sample, or null when a recording has run out. */
	next(): Sample | null;
	/** Asks for more detail on these pids from now on (the selected, the growing). */
	focus?(pids: ReadonlySet<number>): void;
	close(): void;
}

export interface LiveOptions {
	files?: Files;
	detailTop?: number;
	pssBudgetMs?: number;
	pssAll?: boolean;
	/** Wall and monotonic clocks, injectable for tests. */
	now?: () => number;
	monotonic?: () => number;
}

const TOPOLOGY_REFRESH_MS = 60_000;
/** Cgroups change slowly and cost 2-5 reads each: walk them at most this often. */
const CGROUP_EVERY_MS = 5_000;

/** Reads the machine. Files that are absent or forbidden are probed once and not retried per tick. */
export class LiveSource implements Source {
	readonly kind = 'live';
	private readonly files: Files;
	private readonly host: HostFacts;
	private readonly scanner: ProcessScanner;
	private readonly options: Required<Omit<LiveOptions, 'files'>>;
	private focusPids: ReadonlySet<number> = new Set();
	private pressureReason: Reason | null = null;
	private slabinfoReason: Reason | null = null;
	private topology: Result<SlabTopology> | null = null;
	private topologyReadAt = 0;
	private readonly cgroupMemo: CgroupMemo = {};
	private cgroupsReadAt = -Infinity;
	private lastCgroups: Pick<Sample, 'cgroups' | 'cgroupMode'> & {reason: 'ok' | Reason} = {cgroups: null, cgroupMode: null, reason: 'ENOENT'};

	constructor(options: LiveOptions = {}) {
		this.files = options.files ?? new Files();
		this.host = readHostFacts(this.files);
		this.cgroupMemo.hierarchy = detectCgroupHierarchy(this.files);
		const hierarchy = this.cgroupMemo.hierarchy.ok && this.cgroupMemo.hierarchy.value.mode !== 'none' ? this.cgroupMemo.hierarchy.value : null;
		this.scanner = new ProcessScanner(this.files, this.host.pageSize, hierarchy);
		this.options = {
			detailTop: options.detailTop ?? 20,
			pssBudgetMs: options.pssBudgetMs ?? 5,
			pssAll: options.pssAll ?? false,
			now: options.now ?? Date.now,
			monotonic: options.monotonic ?? (() => performance.timeOrigin + performance.now()),
		};
	}

	get hostFacts(): HostFacts {
		return this.host;
	}

	focus(pids: ReadonlySet<number>): void {
		this.focusPids = pids;
	}

	next(): Sample {
		const sources: Record<string, 'ok' | Reason> = {};
		const read = <T>(name: string, path: string, parse: (text: string) => T | null): T | null => {
			const text = this.files.readText(path, 1024 * 1024);
			if (!text.ok) {
				sources[name] = text.reason;
				return null;
			}
			const value = text.value.trim() === '' ? null : parse(text.value);
			sources[name] = value === null ? (text.value.trim() === '' ? 'EMPTY' : 'PARSE') : 'ok';
			return value;
		};
		const monoMs = this.options.monotonic();
		const meminfo = read('meminfo', this.files.proc('meminfo'), text => {
			const parsed = parseMeminfo(text);
			return parsed.MemTotal === undefined ? null : parsed;
		});
		const vmstat = read('vmstat', this.files.proc('vmstat'), parseVmstat);
		const stat = read('stat', this.files.proc('stat'), parseStat);
		let pressure = null;
		if (this.pressureReason) {
			sources.pressure = this.pressureReason;
		} else {
			pressure = read('pressure', this.files.proc('pressure/memory'), parsePressure);
			// Absent, or present but EOPNOTSUPP with psi=0: a kernel fact, not worth a read per tick.
			if (sources.pressure !== 'ok') this.pressureReason = sources.pressure!;
		}
		const scan = this.scanner.scan({
			detailTop: this.options.detailTop,
			detailPids: this.focusPids,
			pssBudgetMs: this.options.pssBudgetMs,
			pssAll: this.options.pssAll,
		});
		sources.processes = scan.sources.processes;
		sources.pss = scan.sources.pss;
		const slabs = this.readSlabs();
		sources.slabs = slabs.ok ? 'ok' : slabs.reason;
		const cgroups = this.readCgroups(monoMs);
		sources.cgroups = cgroups.reason;
		return {
			timeMs: this.options.now(),
			monoMs,
			host: {...this.host, uptimeSec: readUptime(this.files)},
			meminfo,
			vmstat,
			stat,
			pressure,
			processes: scan.processes,
			processCount: scan.processes.length,
			processesHidden: scan.hidden,
			slabs: slabs.ok ? slabs.value : null,
			cgroups: cgroups.cgroups,
			cgroupMode: cgroups.cgroupMode,
			sources,
		};
	}

	close(): void {
		this.scanner.close();
	}

	private readCgroups(monoMs: number): LiveSource['lastCgroups'] {
		if (monoMs - this.cgroupsReadAt < CGROUP_EVERY_MS) return this.lastCgroups;
		this.cgroupsReadAt = monoMs;
		const reading = readCgroups(this.files, {memo: this.cgroupMemo});
		this.lastCgroups = reading.ok
			? {cgroups: reading.value.cgroups, cgroupMode: reading.value.mode, reason: 'ok'}
			: {cgroups: null, cgroupMode: null, reason: reading.reason};
		return this.lastCgroups;
	}

	private slabTopology(): Result<SlabTopology> {
		const now = this.options.monotonic();
		if (!this.topology || now - this.topologyReadAt > TOPOLOGY_REFRESH_MS) {
			this.topology = readSlabTopology(this.files);
			this.topologyReadAt = now;
		}
		return this.topology;
	}

	private readSlabs(): Result<SlabSample[]> {
		if (this.slabinfoReason === null) {
			const text = this.files.readText(this.files.proc('slabinfo'), 4 * 1024 * 1024);
			const parsed = text.ok ? parseSlabinfo(text.value, this.host.pageSize) : text;
			if (parsed.ok) {
				const topology = this.slabTopology();
				return ok(topology.ok ? annotateSlabs(parsed.value.slabs, topology.value) : parsed.value.slabs);
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
