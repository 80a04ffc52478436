import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';

/**
 * Real processes for live tests. Each one reads its stdin and exits when it closes, so a test
 * runner killed mid-test cannot leave them behind; kill() also ends them explicitly.
 */
export interface Spawned {
	pid: number;
	child: ChildProcess;
	kill: () => Promise<void>;
}

const LEAKER = String.raw`
import sys, select, os
step_bytes = int(sys.argv[1])
step_s = float(sys.argv[2])
hold = []
sys.stdout.write('ready\n'); sys.stdout.flush()
while True:
    r, _, _ = select.select([sys.stdin], [], [], step_s)
    if r and not os.read(sys.stdin.fileno(), 1):
        break
    if step_bytes > 0:
        chunk = bytearray(step_bytes)
        for i in range(0, step_bytes, 4096):
            chunk[i] = 1
        hold.append(chunk)
`;

async function start(stepBytes: number, stepMs: number): Promise<Spawned> {
	const child = spawn('python3', ['-c', LEAKER, String(stepBytes), String(stepMs / 1000)], {stdio: ['pipe', 'pipe', 'inherit']});
	const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
	if (!chunk.toString().startsWith('ready')) throw new Error(`child did not start: ${chunk.toString()}`);
	return {
		pid: child.pid!,
		child,
		kill: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		},
	};
}

/** A process that allocates and touches `mibPerStep` MiB every `stepMs` and keeps it (a leak). */
export function spawnLeaker(mibPerStep = 4, stepMs = 200): Promise<Spawned> {
	return start(mibPerStep * 1024 * 1024, stepMs);
}

/** An idle process: allocates nothing, wakes every second to see whether its parent is gone. */
export function spawnIdle(): Promise<Spawned> {
	return start(0, 1000);
}

/** `sleep 600` with its own pid, for tests that need a process to watch exit. */
export function spawnSleep(): Spawned {
	const child = spawn('sleep', ['600'], {stdio: 'ignore'});
	return {
		pid: child.pid!,
		child,
		kill: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		},
	};
}
