import type {ProcessSample, Sample, SlabSample} from '../../source/probe/sample.js';
import type {Focus, Source} from '../../source/source/live.js';

const MiB = 1024 * 1024;

/** A process row with every detail field filled in plausibly; override what the test is about. */
export function processSample(pid: number, overrides: Partial<ProcessSample> = {}): ProcessSample {
	return {
		pid,
		startTime: 1000 + pid,
		ppid: 1,
		comm: `proc${pid}`,
		state: 'S',
		uid: 0,
		user: 'root',
		cmdline: `/usr/bin/proc${pid}`,
		kernelThread: false,
		rssBytes: 10 * MiB,
		vszBytes: 100 * MiB,
		anonBytes: 5 * MiB,
		fileBytes: 5 * MiB,
		shmemBytes: 0,
		swapBytes: 0,
		threads: 1,
		pssBytes: 8 * MiB,
		pssAnonBytes: 5 * MiB,
		pssFileBytes: 3 * MiB,
		pssShmemBytes: 0,
		swapPssBytes: 0,
		ussBytes: 6 * MiB,
		fdCount: 4,
		cgroup: null,
		container: null,
		...overrides,
	};
}

/** A slab cache row as slabinfo gives it. */
export function slabSample(name: string, numSlabs: number, overrides: Partial<SlabSample> = {}): SlabSample {
	return {
		name,
		activeObjs: numSlabs * 21,
		numObjs: numSlabs * 21,
		objSize: 192,
		objPerSlab: 21,
		pagesPerSlab: 1,
		activeSlabs: numSlabs,
		numSlabs,
		sizeBytes: numSlabs * 4096,
		aliases: [],
		reclaimable: null,
		...overrides,
	};
}

export interface SampleAt {
	/** Seconds since the first sample: sets monoMs and timeMs. */
	sec: number;
	meminfo?: Record<string, number> | null;
	vmstat?: Record<string, number> | null;
	cpu?: Partial<{user: number; nice: number; system: number; idle: number; iowait: number; irq: number; softirq: number; steal: number}>;
	intr?: number;
	ctxt?: number;
	processes?: ProcessSample[];
	slabs?: SlabSample[] | null;
}

/** A whole Sample at a moment; fields not given are a quiet 8 GiB machine. */
export function sampleAt(at: SampleAt): Sample {
	const cpu = {user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0, ...at.cpu};
	return {
		timeMs: 1_700_000_000_000 + at.sec * 1000,
		monoMs: 50_000 + at.sec * 1000,
		host: {hostname: 'test', kernel: '6.18.0', pageSize: 4096, cpuCount: 2, bootId: 'b', uptimeSec: 100 + at.sec},
		meminfo: at.meminfo === undefined ? {MemTotal: 8192 * MiB, MemFree: 4096 * MiB, MemAvailable: 6144 * MiB, Buffers: 0, Cached: 1024 * MiB, SReclaimable: 0} : at.meminfo,
		vmstat: at.vmstat === undefined ? {pgpgin: 0, pgpgout: 0, pswpin: 0, pswpout: 0} : at.vmstat,
		stat: {cpu, intr: at.intr ?? 0, ctxt: at.ctxt ?? 0, procsRunning: 1, procsBlocked: 0, bootTimeSec: 1},
		pressure: null,
		processes: at.processes ?? [],
		processCount: at.processes?.length ?? 0,
		processesHidden: 0,
		slabs: at.slabs === undefined ? [] : at.slabs,
		cgroups: null,
		cgroupMode: null,
		sources: {meminfo: 'ok', vmstat: 'ok', stat: 'ok', pressure: 'ENOENT', processes: 'ok', pss: 'ok', slabs: 'ok'},
	};
}

/** A Source that plays back a list (then runs out) and remembers what it was asked to focus on. */
export class ListSource implements Source {
	readonly kind = 'replay';
	focused: Focus = {detail: new Set(), pss: new Set()};
	closed = false;
	private index = 0;
	constructor(private readonly samples: Sample[]) {}
	next(): Sample | null {
		return this.samples[this.index++] ?? null;
	}
	focus(focus: Focus): void {
		this.focused = focus;
	}
	close(): void {
		this.closed = true;
	}
}
