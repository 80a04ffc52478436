import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, rmdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {detectCgroupHierarchy} from '../../source/probe/cgroup.js';
import {Files} from '../../source/probe/files.js';
import {killer} from './children.js';

const hierarchy = detectCgroupHierarchy(new Files());

/** This machine's memory hierarchy, for live cgroup tests. */
export const cgroupHierarchy = hierarchy.ok ? hierarchy.value : null;

/** Why a live cgroup test cannot run here, or false when it can. */
export const cgroupSkip: string | false =
	process.getuid?.() !== 0 ? 'needs root to create a cgroup' : cgroupHierarchy?.rootDir == null ? 'no memory cgroup hierarchy here' : false;

// 1 MiB every 50 ms, filled so every page is touched and charged: ~20 MiB/s.
const LEAK = 'const kept = []; setInterval(() => kept.push(Buffer.alloc(1 << 20, 7)), 50);';

/** A child cgroup with a memory limit and a leaking node process inside it. */
export interface LimitedCgroup {
	/** The cgroup's path as /proc/PID/cgroup names it. */
	path: string;
	child: ChildProcess;
	/** Kills the child and removes the cgroup (retrying while the kernel still counts it busy). */
	cleanUp(): Promise<void>;
}

/** Makes `name` under the memory hierarchy with limitBytes and starts the leaker in it. */
export function leakInLimitedCgroup(name: string, limitBytes: number): LimitedCgroup {
	const dir = join(cgroupHierarchy!.rootDir!, name);
	const mountRoot = cgroupHierarchy!.mountRoot;
	mkdirSync(dir);
	writeFileSync(join(dir, cgroupHierarchy!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
	// The shell joins the cgroup before exec'ing node, so every page node touches is charged there.
	const child = spawn('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec "$2" -e "$3"', 'sh', dir, process.execPath, LEAK], {stdio: 'ignore'});
	const kill = killer(child);
	return {
		path: mountRoot === '/' ? `/${name}` : `${mountRoot}/${name}`,
		child,
		async cleanUp() {
			await kill();
			// The cgroup stays busy until the killed child has been reaped; retry briefly.
			for (let attempt = 0; attempt < 50; attempt++) {
				try {
					rmdirSync(dir);
					return;
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
					await sleep(20);
				}
			}
		},
	};
}
