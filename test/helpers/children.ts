import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';

/** A python3 child for live tests; it exits when its stdin closes, so a killed runner leaves nothing behind. */
export interface Child {
	pid: number;
	child: ChildProcess;
	kill: () => Promise<void>;
}

// Each body runs once per `step_s` until stdin closes; `state` survives between steps, and
// `state['t0']` is when the steps began (time.monotonic()).
const RUNNER = String.raw`
import sys, select, os, socket, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
import time
try:
    # Root may raise the hard limit to fs.nr_open: an fd leak can then run for longer.
    nr_open = int(open('/proc/sys/fs/nr_open').read())
    resource.setrlimit(resource.RLIMIT_NOFILE, (nr_open, nr_open))
except (OSError, ValueError):
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
step_s = float(sys.argv[1])
args = [float(a) for a in sys.argv[3:]]
state = {'hold': [], 'step': 0, 'opened': 0, 't0': time.monotonic()}
body = compile(sys.argv[2], 'body', 'exec')
sys.stdout.write('ready\n'); sys.stdout.flush()
while True:
    r, _, _ = select.select([sys.stdin], [], [], step_s)
    if r and not os.read(sys.stdin.fileno(), 1):
        break
    exec(body, {'os': os, 'socket': socket, 'time': time, 'state': state, 'args': args})
    state['step'] += 1
`;

/** Kills a child with SIGKILL and waits for it; nothing when it has already gone. */
export function killer(child: ChildProcess): () => Promise<void> {
	return async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = once(child, 'exit');
		child.kill('SIGKILL');
		await exited;
	};
}

async function python(body: string, stepMs: number, args: number[]): Promise<Child> {
	const child = spawn('python3', ['-c', RUNNER, String(stepMs / 1000), body, ...args.map(String)], {stdio: ['pipe', 'pipe', 'inherit']});
	const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
	if (!chunk.toString().startsWith('ready')) throw new Error(`child did not start: ${chunk.toString()}`);
	return {pid: child.pid!, child, kill: killer(child)};
}

/** Does nothing, waking every stepMs to see whether its parent is gone: an idle process. */
export function idler(stepMs = 1000): Promise<Child> {
	return python('pass', stepMs, []);
}

/** Allocates and touches bytesPerStep every stepMs and keeps it: a user-space leak. */
export function leaker(bytesPerStep: number, stepMs: number): Promise<Child> {
	return python(
		`chunk = bytearray(int(args[0]))
for i in range(0, len(chunk), 4096): chunk[i] = 1
state['hold'].append(chunk)`,
		stepMs,
		[bytesPerStep],
	);
}

/** Grows its working set by bytesPerStep for stepsUp steps, then frees it all: a churning working set. */
export function churner(bytesPerStep: number, stepsUp: number, stepMs: number): Promise<Child> {
	return python(
		`if state['step'] % (int(args[1]) + 1) == int(args[1]):
    state['hold'].clear()
else:
    chunk = bytearray(int(args[0]))
    for i in range(0, len(chunk), 4096): chunk[i] = 1
    state['hold'].append(chunk)`,
		stepMs,
		[bytesPerStep, stepsUp],
	);
}

/**
 * Each step opens what the clock says is due at perStep per stepMs since the start, up to
 * maxTotal: a step that runs late (a busy machine) catches up, so the rate is the one asked for.
 */
const openDue = (open: string) => `due = min(int(args[1]), int(args[0] * (time.monotonic() - state['t0'])))
while state['opened'] < due:
    ${open}
    state['opened'] += 1`;

/** Opens perStep UDP sockets every stepMs, up to maxTotal, and never closes them (the fds are detached and dropped). */
export function socketLeaker(perStep: number, stepMs: number, maxTotal: number): Promise<Child> {
	return python(openDue('socket.socket(socket.AF_INET, socket.SOCK_DGRAM).detach()'), stepMs, [(perStep * 1000) / stepMs, maxTotal]);
}

/** Opens perStep eventfds every stepMs, up to maxTotal, and never closes them. */
export function eventfdLeaker(perStep: number, stepMs: number, maxTotal: number): Promise<Child> {
	return python(openDue('os.eventfd(0)'), stepMs, [(perStep * 1000) / stepMs, maxTotal]);
}
