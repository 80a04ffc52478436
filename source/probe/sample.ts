import type {CgroupMode, CgroupSample} from './cgroup.js';
import type {Reason, Result} from './result.js';
import type {SlabDetail} from './slabDetail.js';
import type {SmapsReading} from './smaps.js';

/**
 * One moment of the machine: plain, JSON-serialisable data. The live poller produces it, the
 * recorder writes it, the replayer reads it back; the store cannot tell them apart.
 * Sizes are bytes; counters are the kernel's cumulative values (rates are derived in the store).
 */
export interface Sample {
	/** Wall clock, ms since the epoch: what a person reads. */
	timeMs: number;
	/** Monotonic ms (performance.now-like): what rates and slopes are computed from. */
	monoMs: number;
	host: HostFacts;
	/** Every /proc/meminfo key: bytes where the unit is kB, plain counts for HugePages_*. */
	meminfo: Record<string, number> | null;
	/** Every /proc/vmstat counter as the kernel prints it. */
	vmstat: Record<string, number> | null;
	stat: KernelStat | null;
	pressure: Pressure | null;
	processes: ProcessSample[];
	/** How many processes exist in all; processes[] may list fewer (the ones that matter). */
	processCount: number;
	/** Pids the reader could not see (hidepid) or that vanished mid-scan. */
	processesHidden: number;
	slabs: SlabSample[] | null;
	/** Memory cgroups (largest and growing read in detail); null without a memory controller. */
	cgroups: CgroupSample[] | null;
	cgroupMode: CgroupMode | null;
	/** leaktop's own pid when it sampled (its history is bounded by design; the verdicts leave it out). */
	selfPid?: number | null;
	/** For every probe: "ok" or why it has no data. */
	sources: Record<string, 'ok' | Reason>;
	/** The closer reading of what the view is drilled into; absent or null when not drilled. */
	drill?: DrillReading | null;
	/** Where leaktop itself runs, found once at start; absent in samples not from LiveSource. */
	self?: SelfFacts;
}

/** leaktop's own situation: the container it runs in, and why memory cgroups are missing. */
export interface SelfFacts {
	/** The container (or lxcfs-served view) leaktop runs in; null on a host. */
	container: SelfContainerFacts | null;
	/** Why there are no memory cgroups (e.g. "the memory controller is disabled…"); null when there are. */
	cgroupNote: string | null;
}

export interface SelfContainerFacts {
	/** Runtime (docker, lxc, kubepods…) and short id or name, when the evidence names them. */
	kind: string | null;
	name: string | null;
	/** leaktop's own memory cgroup: the row of Sample.cgroups that carries the live usage. */
	cgroupPath: string | null;
	/** The smallest limit over that cgroup and its ancestors; null = none. */
	limitBytes: number | null;
	/** Usage at start (the cgroup row has the current figure). */
	usageBytes: number | null;
	/** lxcfs serves /proc files: meminfo shows the container's view, not the host's. */
	lxcfs: boolean;
}

/** What a drill-down looks at: one process (key `pid:starttime` once known) or one slab cache. */
export type DrillTarget = {kind: 'process'; pid: number; key?: string} | {kind: 'slab'; name: string};

/** One tick's closer reading of the drilled process or slab cache. */
export type DrillReading = ProcessDrillReading | SlabDrillReading;

export interface ProcessDrillReading {
	kind: 'process';
	pid: number;
	/** This pid's status/statm figures this tick (startTime is its identity); null once it is gone. */
	process: ProcessSample | null;
	/** Every mapping, or why not (EACCES: needs root; ENOENT/ESRCH: exited; EMPTY: no user memory). */
	smaps: Result<SmapsReading>;
	/** Monotonic ms of the smaps read: an expensive smaps is re-read less often than every tick. */
	smapsMonoMs: number;
	/** Said when reading smaps is getting expensive. */
	warning: string | null;
}

export interface SlabDrillReading {
	kind: 'slab';
	name: string;
	/** /sys/kernel/slab/NAME: attributes, aliases; fails when sysfs is unreadable or the cache is gone. */
	detail: Result<SlabDetail>;
}

export interface HostFacts {
	hostname: string;
	kernel: string;
	pageSize: number;
	cpuCount: number;
	bootId: string;
	uptimeSec: number | null;
}

export interface CpuTimes {
	user: number;
	nice: number;
	system: number;
	idle: number;
	iowait: number;
	irq: number;
	softirq: number;
	steal: number;
	guest: number;
	guestNice: number;
}

/** The parts of /proc/stat vmstat uses (cpu ticks are USER_HZ jiffies). */
export interface KernelStat {
	cpu: CpuTimes;
	intr: number;
	ctxt: number;
	procsRunning: number;
	procsBlocked: number;
	bootTimeSec: number;
	/** Processes and threads created since boot (the `processes` line); absent in older recordings. */
	forks?: number;
}

export interface PressureLine {
	avg10: number;
	avg60: number;
	avg300: number;
	totalUs: number;
}

export interface Pressure {
	some: PressureLine;
	full: PressureLine | null;
}

export interface ProcessSample {
	pid: number;
	/** Field 22 of /proc/PID/stat, clock ticks since boot: (pid, startTime) is a process's identity. */
	startTime: number;
	ppid: number;
	comm: string;
	/** Single-letter state from /proc/PID/stat (R S D Z T I…). */
	state: string;
	uid: number;
	user: string;
	/** Sanitised command line; "" for kernel threads. */
	cmdline: string;
	kernelThread: boolean;
	rssBytes: number;
	vszBytes: number;
	/** From status (null when status was not read this tick). */
	anonBytes: number | null;
	fileBytes: number | null;
	shmemBytes: number | null;
	swapBytes: number | null;
	threads: number | null;
	/** From smaps_rollup (null when not read: budget, permission, or kernel < 4.14). */
	pssBytes: number | null;
	pssAnonBytes: number | null;
	pssFileBytes: number | null;
	pssShmemBytes: number | null;
	swapPssBytes: number | null;
	ussBytes: number | null;
	/** Number of open file descriptors, when counted (an fd leak is a leak too). */
	fdCount: number | null;
	/** Memory cgroup path (as /proc/PID/cgroup names it) and a short container/unit name. */
	cgroup: string | null;
	container: string | null;
}

export interface SlabSample {
	name: string;
	activeObjs: number;
	numObjs: number;
	objSize: number;
	objPerSlab: number;
	pagesPerSlab: number;
	activeSlabs: number;
	numSlabs: number;
	/** numSlabs × pagesPerSlab × page size, as slabtop's CACHE SIZE. */
	sizeBytes: number;
	/** Other names of a merged cache (from /sys/kernel/slab symlinks), when known. */
	aliases: string[];
	/** Whether the cache's memory is reclaimable (SLAB_RECLAIM_ACCOUNT), when known. */
	reclaimable: boolean | null;
}
