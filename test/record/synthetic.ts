import {readFileSync} from 'node:fs';
import type {ProcessSample, Sample, SlabSample} from '../../source/probe/sample.js';
import type {RecordingHeader} from '../../source/record/format.js';

/**
 * Realistic samples for recording tests and the size measurement: one real Sample captured on the
 * test VM (test/fixtures/record/sample-real.json: 73 processes, 235 slab caches), scaled up to a
 * busier box and then moved forward one second at a time the way an idle-ish server moves: a
 * tenth of the processes change RSS by a few pages, two leak steadily, short-lived commands come
 * and go, a fifth of the slab caches change, the vmstat and /proc/stat counters climb.
 * Deterministic: the same seed gives the same samples, so a test can tell which one it read back.
 */

export interface SyntheticOptions {
	processes?: number;
	slabs?: number;
	seed?: number;
	/** Share of processes whose RSS changes each second. */
	processChurn?: number;
	/** Share of slab caches whose object count changes each second. */
	slabChurn?: number;
}

const real = JSON.parse(readFileSync(new URL('../fixtures/record/sample-real.json', import.meta.url), 'utf8')) as Sample;

export const syntheticHeader: RecordingHeader = {
	hostname: real.host.hostname,
	kernel: real.host.kernel,
	pageSize: real.host.pageSize,
	bootId: real.host.bootId,
	cpuCount: real.host.cpuCount,
	cgroupMode: 'hybrid',
};

function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** An endless, deterministic series of samples one second apart. */
export function* syntheticSamples(options: SyntheticOptions = {}): Generator<Sample> {
	const rand = random(options.seed ?? 1);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
	const page = real.host.pageSize;
	const processTarget = options.processes ?? 300;
	const slabTarget = options.slabs ?? 400;
	const processChurn = options.processChurn ?? 0.1;
	const slabChurn = options.slabChurn ?? 0.2;

	let nextPid = 2000;
	const realProcesses = real.processes;
	const processes: ProcessSample[] = [];
	for (let i = 0; processes.length < processTarget; i++) {
		const model = realProcesses[i % realProcesses.length]!;
		const copy = i < realProcesses.length ? {...model} : {...model, pid: nextPid++, startTime: model.startTime + i * 37};
		processes.push(copy);
	}
	const slabs: SlabSample[] = [];
	const realSlabs = real.slabs ?? [];
	for (let i = 0; slabs.length < slabTarget; i++) {
		const model = realSlabs[i % realSlabs.length]!;
		const round = Math.floor(i / realSlabs.length);
		slabs.push(round === 0 ? {...model} : {...model, name: `${model.name}-${round}`, aliases: []});
	}
	const meminfo = {...real.meminfo!};
	const vmstat = {...real.vmstat!};
	const vmstatKeys = Object.keys(vmstat);
	const volatileVmstat = vmstatKeys.filter((_, i) => i % 3 === 0);
	const volatileMeminfo = ['MemFree', 'MemAvailable', 'Cached', 'Active', 'Inactive', 'Active(file)', 'Inactive(file)', 'Dirty', 'Mapped', 'KReclaimable', 'SReclaimable', 'Committed_AS', 'PageTables', 'KernelStack', 'VmallocUsed'];
	const stat = structuredClone(real.stat!);
	const pressure = structuredClone(real.pressure);
	const leakers = [processes[5 % processes.length]!, processes[40 % processes.length]!];
	const leakySlab = slabs.find(slab => slab.name === 'kmalloc-64') ?? slabs[0]!;
	let timeMs = real.timeMs;
	let monoMs = real.monoMs;
	let uptime = real.host.uptimeSec ?? 0;
	const transient: ProcessSample[] = [];

	for (;;) {
		const step = 1000 + Math.floor(rand() * 7) - 3;
		timeMs += step;
		monoMs += step;
		uptime = Math.round((uptime + step / 1000) * 100) / 100;
		for (const key of volatileMeminfo) {
			if (key in meminfo && rand() < 0.7) meminfo[key] = Math.max(0, meminfo[key]! + (Math.floor(rand() * 9) - 4) * page);
		}
		meminfo.AnonPages! += 2 * 256 * 1024;
		meminfo.MemAvailable! -= 2 * 256 * 1024;
		meminfo.SUnreclaim! += 64 * 16;
		meminfo.Slab! += 64 * 16;
		for (const key of volatileVmstat) {
			if (rand() < 0.6) vmstat[key] = vmstat[key]! + Math.floor(rand() * 3000);
		}
		stat.cpu.user += 10 + Math.floor(rand() * 40);
		stat.cpu.system += 5 + Math.floor(rand() * 20);
		stat.cpu.idle += 150 + Math.floor(rand() * 40);
		stat.cpu.iowait += Math.floor(rand() * 2);
		stat.cpu.softirq += Math.floor(rand() * 3);
		stat.intr += 500 + Math.floor(rand() * 1000);
		stat.ctxt += 1000 + Math.floor(rand() * 2000);
		stat.procsRunning = 1 + Math.floor(rand() * 3);
		if (pressure && rand() < 0.2) {
			pressure.some.avg10 = Math.round(rand() * 300) / 100;
			pressure.some.totalUs += Math.floor(rand() * 50000);
		}

		for (const process of processes) {
			if (process.kernelThread || rand() >= processChurn) continue;
			const pages = Math.floor(rand() * 33) - 16;
			process.rssBytes = Math.max(page, process.rssBytes + pages * page);
			if (process.anonBytes !== null) process.anonBytes = Math.max(0, process.anonBytes + pages * page);
			if (process.pssBytes !== null) process.pssBytes = Math.max(0, process.pssBytes + pages * page - 512);
			if (process.pssAnonBytes !== null) process.pssAnonBytes = Math.max(0, process.pssAnonBytes + pages * page);
			if (rand() < 0.1) process.state = pick(['R', 'S', 'S', 'D']);
			if (process.fdCount !== null && rand() < 0.1) process.fdCount += Math.floor(rand() * 3) - 1;
		}
		for (const leaker of leakers) {
			leaker.rssBytes += 256 * 1024;
			leaker.vszBytes += 256 * 1024;
			if (leaker.anonBytes !== null) leaker.anonBytes += 256 * 1024;
		}
		if (rand() < 0.2) {
			const model = pick(realProcesses.filter(process => !process.kernelThread));
			transient.push({...model, pid: nextPid++, startTime: Math.floor(uptime * 100), rssBytes: 2_000_000 + Math.floor(rand() * 100) * page});
		}
		while (transient.length > 0 && rand() < 0.25) transient.shift();

		for (const slab of slabs) {
			if (rand() >= slabChurn) continue;
			slab.activeObjs = Math.max(0, Math.min(slab.numObjs, slab.activeObjs + Math.floor(rand() * 2 * slab.objPerSlab) - slab.objPerSlab));
			if (rand() < 0.2) {
				slab.numSlabs = Math.max(1, slab.numSlabs + Math.floor(rand() * 3) - 1);
				slab.activeSlabs = slab.numSlabs;
				slab.numObjs = slab.numSlabs * slab.objPerSlab;
				slab.sizeBytes = slab.numSlabs * slab.pagesPerSlab * page;
			}
		}
		leakySlab.activeObjs += 16;
		leakySlab.numObjs = Math.max(leakySlab.numObjs, leakySlab.activeObjs);
		leakySlab.numSlabs = Math.ceil(leakySlab.numObjs / leakySlab.objPerSlab);
		leakySlab.activeSlabs = leakySlab.numSlabs;
		leakySlab.sizeBytes = leakySlab.numSlabs * leakySlab.pagesPerSlab * page;

		const all = [...processes, ...transient];
		yield structuredClone({
			...real,
			timeMs,
			monoMs,
			host: {...real.host, uptimeSec: uptime},
			meminfo,
			vmstat,
			stat,
			pressure,
			processes: all,
			processCount: all.length,
			processesHidden: 0,
			slabs,
		});
	}
}

/** The first n synthetic samples. */
export function takeSamples(n: number, options?: SyntheticOptions): Sample[] {
	const samples: Sample[] = [];
	for (const sample of syntheticSamples(options)) {
		if (samples.length === n) break;
		samples.push(sample);
	}
	return samples;
}

/** A smaller, busier box (30 processes, 30 slab caches) for tests that write and re-read a lot. */
export const small: SyntheticOptions = {processes: 30, slabs: 30, seed: 7, processChurn: 0.3, slabChurn: 0.3};

/** The endless small series. */
export function smallSamples(): Generator<Sample> {
	return syntheticSamples(small);
}
