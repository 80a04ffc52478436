import type {Snapshot, Store} from '../store/store.js';
import type {MemoryLimit} from './systemRules.js';

/** Every cgroup with a memory limit, for the time-to-exhaustion rule ("cgroup X reaches its limit in ~25 min"). */
export function cgroupLimits(store: Store, snapshot: Snapshot): MemoryLimit[] {
	const limits: MemoryLimit[] = [];
	for (const row of snapshot.cgroups) {
		const limitBytes = row.sample.limitBytes;
		if (limitBytes === null) continue;
		const usage = store.cgroupSeries(row.sample.path);
		if (!usage || usage.length < 3) continue;
		limits.push({subject: `cgroup ${row.sample.path}`, limitBytes, usage, target: {kind: 'cgroup', path: row.sample.path}});
	}
	return limits;
}
