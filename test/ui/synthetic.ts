import type {ProcessSample, Sample, SlabSample} from '../../source/probe/sample.js';
import type {Source} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';

const MiB = 1024 * 1024;

/** A process as the live scanner would report it, with detail files read. */
export function proc(pid: number, comm: string, rssBytes: number, extra: Partial<ProcessSample> = {}): ProcessSample {
	return {
		pid,
		startTime: 1000 + pid,
		ppid: 1,
		comm,
		state: 'S',
		uid: 1000,
		user: 'alice',
		cmdline: `/usr/bin/${comm} --serve`,
		kernelThread: false,
		rssBytes,
		vszBytes: rssBytes * 4,
		anonBytes: Math.round(rssBytes * 0.8),
		fileBytes: Math.round(rssBytes * 0.2),
		shmemBytes: 0,
		swapBytes: 0,
		threads: 4,
		pssBytes: Math.round(rssBytes * 0.9),
		pssAnonBytes: null,
		pssFileBytes: null,
		pssShmemBytes: null,
		swapPssBytes: 0,
		ussBytes: Math.round(rssBytes * 0.85),
		fdCount: 12,
		cgroup: null,
		container: null,
		...extra,
	};
}

export function slab(name: string, activeObjs: number, objSize: number, extra: Partial<SlabSample> = {}): SlabSample {
	const objPerSlab = Math.max(1, Math.floor(4096 / objSize));
	const numSlabs = Math.ceil(activeObjs / objPerSlab);
	return {
		name,
		activeObjs,
		numObjs: numSlabs * objPerSlab,
		objSize,
		objPerSlab,
		pagesPerSlab: 1,
		activeSlabs: numSlabs,
		numSlabs,
		sizeBytes: numSlabs * 4096,
		aliases: [],
		reclaimable: false,
		...extra,
	};
}

/**
 * A small machine over time: 16 GiB, `leaky` growing 10 MiB per tick, `steady` flat, `dentry`
 * flat and `kmalloc-64` growing. tick i is i × intervalMs after the start.
 */
export function machineAt(i: number, intervalMs = 2000): Sample {
	const t = 1_700_000_000_000 + i * intervalMs;
	const leakedBytes = i * 10 * MiB;
	const kB = (bytes: number) => bytes;
	return {
		timeMs: t,
		monoMs: t,
		host: {hostname: 'testbox', kernel: '6.1.0-test', pageSize: 4096, cpuCount: 4, bootId: 'b', uptimeSec: 3600 + i * 2},
		meminfo: {
			MemTotal: kB(16 * 1024 * MiB),
			MemFree: kB(8 * 1024 * MiB - leakedBytes),
			MemAvailable: kB(12 * 1024 * MiB - leakedBytes),
			Buffers: kB(100 * MiB),
			Cached: kB(3 * 1024 * MiB),
			SReclaimable: kB(200 * MiB),
			SUnreclaim: kB(100 * MiB + i * MiB),
			Slab: kB(300 * MiB + i * MiB),
			Shmem: kB(50 * MiB),
			KernelStack: kB(16 * MiB),
			PageTables: kB(40 * MiB),
			VmallocUsed: kB(30 * MiB),
			Percpu: kB(5 * MiB),
			AnonPages: kB(2 * 1024 * MiB + leakedBytes),
			SwapTotal: 0,
			SwapFree: 0,
		},
		vmstat: {pswpin: 0, pswpout: 0, pgpgin: 1000 + i * 200, pgpgout: 500 + i * 100, pgscan_kswapd: 0, pgscan_direct: 0, oom_kill: 0},
		stat: {
			cpu: {user: 1000 + i * 50, nice: 0, system: 500 + i * 20, idle: 10_000 + i * 130, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0},
			intr: 100_000 + i * 2000,
			ctxt: 200_000 + i * 4000,
			procsRunning: 2,
			procsBlocked: 0,
			bootTimeSec: 1_699_996_400,
		},
		pressure: {some: {avg10: 0, avg60: 0, avg300: 0, totalUs: 0}, full: {avg10: 0, avg60: 0, avg300: 0, totalUs: 0}},
		processes: [
			proc(101, 'steady', 300 * MiB),
			proc(202, 'leaky', 100 * MiB + leakedBytes),
			proc(303, 'sshd', 5 * MiB, {user: 'root', uid: 0}),
			proc(2, 'kthreadd', 0, {kernelThread: true, cmdline: '', user: 'root', uid: 0, anonBytes: null, pssBytes: null}),
		],
		processCount: 4,
		processesHidden: 0,
		slabs: [slab('dentry', 50_000, 192), slab('kmalloc-64', 10_000 + i * 2000, 64, {aliases: ['eventpoll_pwq']})],
		cgroups: null,
		cgroupMode: null,
		sources: {meminfo: 'ok', vmstat: 'ok', stat: 'ok', pressure: 'ok', processes: 'ok', pss: 'ok', slabs: 'ok'},
	};
}

/** A Source serving the given samples in order, then null. */
export function arraySource(samples: Sample[]): Source {
	let i = 0;
	return {kind: 'replay', next: () => samples[i++] ?? null, close() {}};
}

/** A store that has eaten `ticks` samples of machineAt. */
export function storeWith(ticks: number, intervalMs = 2000): Store {
	const samples = Array.from({length: ticks}, (_, i) => machineAt(i, intervalMs));
	const store = new Store({source: arraySource(samples), intervalMs});
	for (let i = 0; i < ticks; i++) store.tick();
	return store;
}
