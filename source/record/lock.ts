import {linkSync, openSync, closeSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync} from 'node:fs';
import {hostname} from 'node:os';
import {Files} from '../probe/files.js';
import {parseProcStat} from '../probe/process.js';
import {recordFail, recordOk, type RecordResult} from './format.js';

/** Who holds a recording's lock: enough to tell a live holder from a dead one after a crash or reboot. */
export interface LockOwner {
	pid: number;
	/** Field 22 of /proc/PID/stat: a reused pid has another start time. */
	startTime: number | null;
	bootId: string;
	hostname: string;
	sinceMs: number;
}

/**
 * An exclusive lock on a recording: the file FILE.lock naming its holder. Node has no flock, and a
 * lock file outlives a SIGKILL, so a lock is honoured only while its holder is provably alive:
 * same host, same boot (boot_id), and /proc/PID/stat still shows the same start time. A lock of a
 * dead process, an earlier boot or a reused pid is stale and taken over.
 *
 * The file is made complete under a private name and then hard-linked into place, so nobody ever
 * sees a half-written lock; a stale lock is renamed away (atomic: only one taker wins it) and
 * checked again after the rename, so two recorders starting together after a crash cannot both win.
 */
export class RecordingLock {
	private constructor(
		readonly path: string,
		private readonly content: string,
	) {}

	/** Takes the lock for the recording at recordingPath, or says who holds it. */
	static acquire(recordingPath: string, files: Files = new Files()): RecordResult<RecordingLock> {
		const path = `${recordingPath}.lock`;
		const me: LockOwner = {
			pid: process.pid,
			startTime: startTimeOf(files, process.pid),
			bootId: bootIdOf(files),
			hostname: hostname(),
			sinceMs: Date.now(),
		};
		const content = `${JSON.stringify(me)}\n`;
		for (let attempt = 0; attempt < 5; attempt++) {
			const placed = place(path, content);
			if (placed === 'placed') return recordOk(new RecordingLock(path, content));
			if (placed !== 'exists') return recordFail('io', `cannot create the lock ${path}: ${placed}`);
			const held = readOrNull(path);
			if (held === null) continue; // Released meanwhile: try again.
			const owner = parseOwner(held);
			if (owner && isAlive(owner, me, files)) return recordFail('locked', lockedMessage(recordingPath, owner));
			const aside = `${path}.stale.${process.pid}`;
			try {
				renameSync(path, aside);
			} catch {
				continue; // Someone else took it first: look again.
			}
			if (readOrNull(aside) !== held) {
				// Between our read and our rename a live recorder replaced the stale lock: put it back.
				try {
					linkSync(aside, path);
				} catch {
					// A third party holds the lock now; either way it is not ours.
				}
				unlinkQuietly(aside);
				const now = parseOwner(readOrNull(path) ?? '');
				return recordFail('locked', now ? lockedMessage(recordingPath, now) : `${recordingPath} is being locked by another recorder`);
			}
			unlinkQuietly(aside);
		}
		return recordFail('locked', `${recordingPath}: could not take the lock (another recorder keeps racing for it)`);
	}

	/** Gives the lock up, only if it is still ours. */
	release(): void {
		if (readOrNull(this.path) === this.content) unlinkQuietly(this.path);
	}
}

function place(path: string, content: string): 'placed' | 'exists' | string {
	const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
	try {
		writeFileSync(temporary, content, {flag: 'wx'});
	} catch (error) {
		return (error as Error).message;
	}
	try {
		linkSync(temporary, path);
		return 'placed';
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') return 'exists';
		if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') return (error as Error).message;
		// A filesystem without hard links: exclusive create is the next best thing.
		return placeExclusive(path, content);
	} finally {
		unlinkQuietly(temporary);
	}
}

function placeExclusive(path: string, content: string): 'placed' | 'exists' | string {
	try {
		const fd = openSync(path, 'wx');
		try {
			writeSync(fd, content);
		} finally {
			closeSync(fd);
		}
		return 'placed';
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : (error as Error).message;
	}
}

function isAlive(owner: LockOwner, me: LockOwner, files: Files): boolean {
	// Another host (a shared filesystem) cannot be checked from here: assume it is alive.
	if (owner.hostname !== me.hostname) return true;
	if (owner.bootId !== '' && me.bootId !== '' && owner.bootId !== me.bootId) return false;
	const startTime = startTimeOf(files, owner.pid);
	if (startTime === null) return false;
	return owner.startTime === null || owner.startTime === startTime;
}

function lockedMessage(recordingPath: string, owner: LockOwner): string {
	const since = Number.isFinite(owner.sinceMs) ? ` since ${new Date(owner.sinceMs).toISOString()}` : '';
	return `${recordingPath} is already being recorded by pid ${owner.pid} on ${owner.hostname}${since}; a second recorder is refused`;
}

function parseOwner(text: string): LockOwner | null {
	try {
		const value = JSON.parse(text) as Partial<LockOwner>;
		if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return null;
		return {
			pid: value.pid,
			startTime: typeof value.startTime === 'number' ? value.startTime : null,
			bootId: typeof value.bootId === 'string' ? value.bootId : '',
			hostname: value.hostname,
			sinceMs: typeof value.sinceMs === 'number' ? value.sinceMs : Number.NaN,
		};
	} catch {
		return null;
	}
}

function startTimeOf(files: Files, pid: number): number | null {
	const text = files.readText(files.proc(String(pid), 'stat'), 4096);
	return text.ok ? (parseProcStat(text.value)?.startTime ?? null) : null;
}

function bootIdOf(files: Files): string {
	const text = files.readText(files.proc('sys/kernel/random/boot_id'), 256);
	return text.ok ? text.value.trim() : '';
}

function readOrNull(path: string): string | null {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return null;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// Already gone.
	}
}
