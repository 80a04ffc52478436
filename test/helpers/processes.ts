import {spawn} from 'node:child_process';
import {idler, killer, leaker, type Child} from './children.js';

/** A real process for live tests; it exits when its stdin closes, so a killed runner leaves nothing behind. */
export type Spawned = Child;

/** A process that allocates and touches `mibPerStep` MiB every `stepMs` and keeps it (a leak). */
export function spawnLeaker(mibPerStep = 4, stepMs = 200): Promise<Spawned> {
	return leaker(mibPerStep * 1024 * 1024, stepMs);
}

/** An idle process: allocates nothing, wakes every second to see whether its parent is gone. */
export function spawnIdle(): Promise<Spawned> {
	return idler(1000);
}

/** `sleep 600` with its own pid, for tests that need a process to watch exit. */
export function spawnSleep(): Spawned {
	const child = spawn('sleep', ['600'], {stdio: 'ignore'});
	return {pid: child.pid!, child, kill: killer(child)};
}
