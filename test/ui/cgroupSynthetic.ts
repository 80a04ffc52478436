import type {CgroupSample} from '../../source/probe/cgroup.js';
import type {Sample, SelfFacts} from '../../source/probe/sample.js';
import {Store} from '../../source/store/store.js';
import {arraySource, machineAt} from './synthetic.js';

const MiB = 1024 * 1024;
export const DOCKER_ID = '9c1e4b7d2a5f8e3b6c9d0a1f4e7b2c5d8a3f6e9b0c1d4a7e2f5b8c3d6e9f0a1b';
export const DOCKER_PATH = `/system.slice/docker-${DOCKER_ID}.scope`;

/** A v2 cgroup reading with memory.stat, as readCgroups gives for a detailed cgroup. */
export function cgroup(path: string, usageBytes: number | null, extra: Partial<CgroupSample> = {}): CgroupSample {
	return {
		path,
		usageBytes,
		limitBytes: null,
		highBytes: null,
		peakBytes: usageBytes === null ? null : usageBytes + 8 * MiB,
		stat: {
			anonBytes: usageBytes === null ? null : Math.round(usageBytes * 0.6),
			fileBytes: usageBytes === null ? null : Math.round(usageBytes * 0.3),
			kernelBytes: usageBytes === null ? null : Math.round(usageBytes * 0.1),
			slabBytes: usageBytes === null ? null : Math.round(usageBytes * 0.05),
			slabReclaimableBytes: null,
			slabUnreclaimableBytes: null,
			sockBytes: null,
			shmemBytes: null,
			pagetablesBytes: null,
			percpuBytes: null,
		},
		events: {low: 0, high: 0, max: 0, oom: 0, oomKill: 0, underOom: null},
		pressure: null,
		unreadable: {},
		detailed: true,
		...extra,
	};
}

/**
 * machineAt with a v2 cgroup tree: `leaky` (202) in a docker container limited to 512 MiB whose usage
 * grows 10 MiB a tick, `steady` (101) in nginx.service, `sshd` (303) in ssh.service, flat user.slice.
 */
export function cgroupMachineAt(i: number, intervalMs = 2000, self?: SelfFacts): Sample {
	const base = machineAt(i, intervalMs);
	const where: Record<number, [string, string | null]> = {
		101: ['/system.slice/nginx.service', 'nginx.service'],
		202: [DOCKER_PATH, DOCKER_ID.slice(0, 12)],
		303: ['/system.slice/ssh.service', 'ssh.service'],
		2: ['/', null],
	};
	const dockerUsage = 200 * MiB + i * 10 * MiB;
	return {
		...base,
		processes: base.processes.map(p => ({...p, cgroup: where[p.pid]?.[0] ?? null, container: where[p.pid]?.[1] ?? null})),
		cgroups: [
			cgroup('/', 6 * 1024 * MiB + i * 10 * MiB),
			cgroup('/system.slice', 1024 * MiB + i * 10 * MiB),
			cgroup(DOCKER_PATH, dockerUsage, {limitBytes: 512 * MiB, highBytes: 480 * MiB, events: {low: 0, high: 3, max: 1, oom: 1, oomKill: 1, underOom: null}}),
			cgroup('/system.slice/nginx.service', 300 * MiB),
			cgroup('/user.slice', 700 * MiB),
		],
		cgroupMode: 'v2',
		sources: {...base.sources, cgroups: 'ok'},
		...(self ? {self} : {}),
	};
}

/** A store that has eaten `ticks` samples of cgroupMachineAt. */
export function cgroupStoreWith(ticks: number, self?: SelfFacts, intervalMs = 2000): Store {
	const samples = Array.from({length: ticks}, (_, i) => cgroupMachineAt(i, intervalMs, self));
	const store = new Store({source: arraySource(samples), intervalMs});
	for (let i = 0; i < ticks; i++) store.tick();
	return store;
}
