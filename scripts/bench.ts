/**
 * `npm run bench`: what leaktop costs on a busy box. Spawns ~1000 and then ~5000 real sleeping
 * processes and measures, at each size: sampling cost per tick (LiveSource.next + Store.ingest),
 * CPU % of one core at a 1 s interval with the default options (in this process, and in the
 * installed command sampling with nothing drawn), exec → first JSON of the built CLI, and peak RSS. Prints a table; no pass/fail (targets: ≤ 1% of a core at 1000 processes,
 * ≤ 3% at 5000, no tick over 50 ms). Sleepers are killed on every exit path, Ctrl-C included.
 *
 * The store is the one `leaktop` runs (verdict rules included) and its histories are filled first
 * (100 ticks), as after a minute and a half of running: a fresh store is cheaper than a running one.
 *
 * Options: --sizes 1000,5000  --ticks 30  --cpu-seconds 20  --live-warmup 30  --live-settled 120  --sampling-steady 180
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {closeSync, openSync, readdirSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {liveStore} from '../source/cli/options.js';

const arg = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i === -1 ? fallback : process.argv[i + 1]!;
};
const SIZES = arg('sizes', '1000,5000').split(',').map(Number);
const TICKS = Number(arg('ticks', '30'));
const CPU_SECONDS = Number(arg('cpu-seconds', '20'));
const LIVE_WARMUP_SECONDS = Number(arg('live-warmup', '30'));
/** When the live view is measured again: V8 is still recompiling its busiest functions in the first minute. */
const LIVE_SETTLED_SECONDS = Number(arg('live-settled', '120'));
/** When headless sampling is measured again, for a minute: once V8 has compiled what it runs once a second. */
const SAMPLING_STEADY_SECONDS = Number(arg('sampling-steady', '180'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** The installed command (package.json "bin"): a sh script that runs node on dist/cli.js. */
const COMMAND = fileURLToPath(new URL('../dist/leaktop', import.meta.url));

// One python3 forks the sleepers: each child dies with its parent (PR_SET_PDEATHSIG) and the
// parent exits when our end of its stdin closes, so nothing outlives the benchmark.
const FORKER = String.raw`
import os, sys, signal, ctypes
libc = ctypes.CDLL(None)
n = int(sys.argv[1])
for _ in range(n):
    if os.fork() == 0:
        libc.prctl(1, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(0)
        sys.stdin.close()
        signal.pause()
        os._exit(0)
sys.stdout.write('ready\n'); sys.stdout.flush()
sys.stdin.read()
`;

const forkers: ChildProcess[] = [];

function killSleepers(): void {
	for (const child of forkers) {
		try {
			if (child.pid) process.kill(-child.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
	forkers.length = 0;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => {
		killSleepers();
		process.exit(130);
	});
}
process.on('exit', killSleepers);

const processCount = () => readdirSync('/proc').filter(name => /^\d+$/.test(name)).length;

async function addSleepers(n: number): Promise<void> {
	if (n <= 0) return;
	const child = spawn('python3', ['-c', FORKER, String(n)], {stdio: ['pipe', 'pipe', 'inherit'], detached: true});
	forkers.push(child);
	await new Promise<void>((resolve, reject) => {
		child.stdout!.once('data', () => resolve());
		child.once('exit', code => reject(new Error(`sleeper forker exited ${code}`)));
	});
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const stats = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mean = values.reduce((a, b) => a + b, 0) / values.length;
	return {mean, p95: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!, max: sorted.at(-1)!};
};

/** The store and source `leaktop -d 1` runs, with the default options. */
const defaultStore = () => liveStore({intervalMs: 1000, top: 20, pssAll: false, procRoot: '/proc', sysRoot: '/sys', color: true} as Parameters<typeof liveStore>[0]);

/** Ticks 10 ms apart until the histories are full (90 points), as after 90 s of running. */
async function warm(store: ReturnType<typeof defaultStore>['store']): Promise<void> {
	for (let i = 0; i < 100; i++) {
		store.tick();
		await sleep(10);
	}
}

/** Back-to-back ticks with the default options: the cost of one sample, split into read and ingest. */
async function tickCost(): Promise<{total: ReturnType<typeof stats>; next: ReturnType<typeof stats>; ingest: ReturnType<typeof stats>; pssRead: number}> {
	const {source, store} = defaultStore();
	const total: number[] = [];
	const next: number[] = [];
	const ingest: number[] = [];
	let pssRead = 0;
	try {
		await warm(store);
		for (let i = 0; i < TICKS; i++) {
			const t0 = performance.now();
			const sample = source.next();
			const t1 = performance.now();
			store.ingest(sample);
			const t2 = performance.now();
			next.push(t1 - t0);
			ingest.push(t2 - t1);
			total.push(t2 - t0);
			pssRead = sample.processes.filter(p => p.pssBytes !== null).length;
		}
	} finally {
		source.close();
	}
	return {total: stats(total), next: stats(next), ingest: stats(ingest), pssRead};
}

/** CPU used by real 1 s ticks (store.start, default options, verdicts included) as % of one core. */
async function cpuAtOneSecond(seconds: number): Promise<{percent: number; ticks: number}> {
	const {source, store} = defaultStore();
	await warm(store);
	await sleep(1000);
	const cpu0 = process.cpuUsage();
	const wall0 = performance.now();
	const ticks0 = store.getSnapshot().ticks;
	store.start(1000);
	await sleep(seconds * 1000);
	store.stop();
	const cpu = process.cpuUsage(cpu0);
	const wall = performance.now() - wall0;
	const ticks = store.getSnapshot().ticks - ticks0;
	source.close();
	return {percent: ((cpu.user + cpu.system) / 1000 / wall) * 100, ticks};
}

/** Exec of the built CLI to its first byte on stdout, and the child's peak RSS (VmHWM). */
async function execToFirstJson(args: string[]): Promise<{ms: number; totalMs: number; peakRssMiB: number}> {
	const started = performance.now();
	const child = spawn('node', [CLI, ...args], {stdio: ['ignore', 'pipe', 'inherit']});
	let firstMs = Number.NaN;
	let hwmKiB = 0;
	const poll = setInterval(() => {
		try {
			const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
			if (match) hwmKiB = Math.max(hwmKiB, Number(match[1]));
		} catch {
			// Exited between polls.
		}
	}, 20);
	child.stdout!.once('data', () => {
		firstMs = performance.now() - started;
	});
	child.stdout!.resume();
	await new Promise(resolve => child.once('exit', resolve));
	clearInterval(poll);
	return {ms: firstMs, totalMs: performance.now() - started, peakRssMiB: hwmKiB / 1024};
}

/** Clock ticks a process has run (utime + stime, /proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return Number(fields[11]) + Number(fields[12]);
}

/** tmux on a socket of the bench's own, so a person's or a test's tmux server is left alone. */
const tmux = (args: string[]) => execFileSync('tmux', ['-L', `leaktop-bench-${process.pid}`, ...args]);

/** A 120x40 pane running `command`; a new server can race the exit of the last one, so once more after a pause. */
function newPane(session: string, command: string): void {
	const args = ['new-session', '-d', '-s', session, '-x', '120', '-y', '40', command];
	try {
		tmux(args);
	} catch {
		execFileSync('sleep', ['0.3']);
		tmux(args);
	}
}

/**
 * CPU of one core a process started at `started` (performance.now()) used in each window (seconds
 * from its start, and how long), and its RSS / anonymous memory at the end of each.
 */
async function cpuWindows(pid: number, started: number, windows: Array<{from: number; seconds: number}>): Promise<Array<{percent: number; rssMiB: number; anonMiB: number}>> {
	const measured = [];
	for (const {from, seconds} of windows) {
		await sleep(Math.max(0, from * 1000 - (performance.now() - started)));
		const t0 = cpuTicks(pid);
		const wall0 = performance.now();
		await sleep(seconds * 1000);
		const percent = ((cpuTicks(pid) - t0) / 100 / ((performance.now() - wall0) / 1000)) * 100;
		const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
		const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? Number.NaN);
		measured.push({percent, rssMiB: kib('Rss') / 1024, anonMiB: kib('Anonymous') / 1024});
	}
	return measured;
}

/** The whole program as a person runs it: the live view in a 120x40 tmux pane at a 1 s interval (sampling + verdicts + rendering). */
async function liveView(seconds: number): Promise<Awaited<ReturnType<typeof cpuWindows>>> {
	const session = `leaktop-bench-${process.pid}`;
	newPane(session, `CI=false exec ${COMMAND} -d 1`);
	try {
		const pid = Number(tmux(['display-message', '-p', '-t', session, '#{pane_pid}']).toString().trim());
		return await cpuWindows(pid, performance.now(), [{from: LIVE_WARMUP_SECONDS, seconds}, {from: LIVE_SETTLED_SECONDS, seconds}]);
	} finally {
		tmux(['kill-session', '-t', session]);
	}
}

/**
 * Sampling as the installed command does it, with nothing drawn: `leaktop batch --json -d 1` into
 * /dev/null — the program's own bundle, node flags and heap settings, the default options and the
 * verdicts, plus a JSON report a second (so an upper bound on sampling alone). Measured from
 * LIVE_WARMUP_SECONDS for `seconds`, and for a minute from SAMPLING_STEADY_SECONDS: V8 keeps
 * compiling the once-a-second code for the first two minutes or so, and 20 s windows in that time
 * read anywhere from 0.9 to 1.6 % at 1000 processes.
 */
async function headlessSampling(seconds: number): Promise<Awaited<ReturnType<typeof cpuWindows>>> {
	const sink = openSync('/dev/null', 'w');
	const child = spawn(COMMAND, ['batch', '--json', '-d', '1'], {stdio: ['ignore', sink, 'inherit']});
	closeSync(sink);
	try {
		return await cpuWindows(child.pid!, performance.now(), [{from: LIVE_WARMUP_SECONDS, seconds}, {from: SAMPLING_STEADY_SECONDS, seconds: 60}]);
	} finally {
		child.kill();
		await new Promise(resolve => child.once('exit', resolve));
	}
}

// Starts `leaktop` on a 120x40 pseudo-terminal and reads what it draws, with no polling to compete
// with it for the CPU: ms from fork to the first frame, and to the first frame listing processes.
const STARTER = String.raw`
import json, os, pty, re, select, struct, fcntl, sys, termios, time
argv, env = json.loads(sys.argv[1]), json.loads(sys.argv[2])
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(argv[0], argv, dict(os.environ, **env))
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
seen, first, listed = b'', None, None
while listed is None and time.monotonic() - t0 < 10:
    if select.select([fd], [], [], 0.5)[0]:
        try: chunk = os.read(fd, 65536)
        except OSError: break
        seen += chunk
        text = re.sub(rb'\[[0-9;?]*[A-Za-z]', b' ', seen)
        now = (time.monotonic() - t0) * 1000
        if first is None and re.search(rb'Mem\s+total', text): first = now
        if re.search(rb'Processes [1-9]', text): listed = now
os.write(fd, b'q')
time.sleep(0.5)
try: os.kill(pid, 9)
except ProcessLookupError: pass
os.waitpid(pid, 0)
print(json.dumps([first, listed]))
`;

/** Medians over `runs` starts of bare `argv`: exec → first frame, exec → first frame listing processes. */
function firstFrames(runs: number, argv: string[]): {firstMs: number; listedMs: number} {
	const times: Array<[number, number]> = [];
	for (let i = 0; i < runs; i++) {
		const out = execFileSync('python3', ['-c', STARTER, JSON.stringify(argv), JSON.stringify({CI: 'false', TERM: 'xterm-256color'})]).toString();
		times.push(JSON.parse(out) as [number, number]);
	}
	return {firstMs: median(times.map(t => t[0] ?? Number.NaN)), listedMs: median(times.map(t => t[1] ?? Number.NaN))};
}

/**
 * top -d 1 in the same kind of pane over the same time: the anchors (top 2.2% at 1000
 * processes, 9.8% at 5000) were measured on a quiet machine, and this says how quiet it is now.
 */
async function topNow(seconds: number): Promise<number> {
	const session = `leaktop-bench-top-${process.pid}`;
	newPane(session, 'exec top -d 1');
	try {
		const pid = Number(tmux(['display-message', '-p', '-t', session, '#{pane_pid}']).toString().trim());
		await sleep(3000);
		const t0 = cpuTicks(pid);
		const wall0 = performance.now();
		await sleep(seconds * 1000);
		return ((cpuTicks(pid) - t0) / 100 / ((performance.now() - wall0) / 1000)) * 100;
	} finally {
		tmux(['kill-session', '-t', session]);
	}
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
	const rows: Array<[string, ...string[]]> = [];
	const cols: string[] = [];
	const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
	for (const size of SIZES) {
		await addSleepers(size - processCount());
		await sleep(500);
		const count = processCount();
		process.stderr.write(`bench: ${count} processes\n`);
		cols.push(`${count} procs`);
		const cost = await tickCost();
		const cpu = await cpuAtOneSecond(CPU_SECONDS);
		const snapshots: Array<Awaited<ReturnType<typeof execToFirstJson>>> = [];
		const batches: Array<Awaited<ReturnType<typeof execToFirstJson>>> = [];
		for (let i = 0; i < 3; i++) {
			snapshots.push(await execToFirstJson(['snapshot', '--json']));
			batches.push(await execToFirstJson(['batch', '--json', '-d', '0.1', '-n', '1']));
		}
		const headless = await headlessSampling(CPU_SECONDS);
		const live = await liveView(CPU_SECONDS);
		const starts = firstFrames(5, [COMMAND]);
		// `node dist/cli.js` parses NODE_EXTRA_CA_CERTS where it is set (this sandbox sets it), the command does not.
		const direct = firstFrames(5, ['node', CLI]);
		const startCell = (runs: typeof starts) => `${runs.firstMs.toFixed(0)} / ${runs.listedMs.toFixed(0)}`;
		const top = await topNow(CPU_SECONDS);
		const cells = [
			`${cost.total.mean.toFixed(1)} / ${cost.total.p95.toFixed(1)} / ${cost.total.max.toFixed(1)}`,
			`${cost.next.mean.toFixed(1)} / ${cost.next.max.toFixed(1)}`,
			`${cost.ingest.mean.toFixed(1)} / ${cost.ingest.max.toFixed(1)}`,
			String(cost.pssRead),
			`${cpu.percent.toFixed(2)}% (${cpu.ticks} ticks)`,
			`${headless[0]!.percent.toFixed(2)}% / ${headless[1]!.percent.toFixed(2)}%`,
			`${median(snapshots.map(s => s.ms)).toFixed(0)}`,
			`${median(batches.map(s => s.ms)).toFixed(0)}`,
			`${Math.max(...snapshots.map(s => s.peakRssMiB), ...batches.map(s => s.peakRssMiB)).toFixed(1)}`,
			`${live[0]!.percent.toFixed(2)}%`,
			`${live[1]!.percent.toFixed(2)}%`,
			startCell(starts),
			startCell(direct),
			`${live[0]!.rssMiB.toFixed(1)} / ${live[0]!.anonMiB.toFixed(1)}`,
			`${live[1]!.rssMiB.toFixed(1)} / ${live[1]!.anonMiB.toFixed(1)}`,
			`${top.toFixed(2)}%`,
		];
		cells.forEach((cell, i) => {
			rows[i] ??= [
				[
					'tick ms mean / p95 / max',
					'  LiveSource.next ms mean / max',
					'  Store.ingest ms mean / max',
					'  processes with PSS after a tick',
					'CPU of one core at 1 s, in this process (tsx, 4 V8 workers, default heap)',
					`\`leaktop batch --json -d 1\` > /dev/null: CPU of one core, ${CPU_SECONDS} s from ${LIVE_WARMUP_SECONDS} s / 60 s from ${SAMPLING_STEADY_SECONDS} s`,
					'exec → first JSON, snapshot (ms)',
					'exec → first JSON, batch -d 0.1 (ms)',
					'CLI peak RSS (MiB)',
					`live view 120x40 at 1 s: CPU of one core, from ${LIVE_WARMUP_SECONDS} s`,
					`  the same from ${LIVE_SETTLED_SECONDS} s`,
					'`leaktop` (dist/leaktop): exec → first frame / processes listed (ms)',
					`  \`node dist/cli.js\`${process.env.NODE_EXTRA_CA_CERTS ? ', NODE_EXTRA_CA_CERTS set' : ''} (ms)`,
					`live view: RSS / anonymous (MiB), at ${LIVE_WARMUP_SECONDS + CPU_SECONDS} s`,
					`  the same at ${LIVE_SETTLED_SECONDS + CPU_SECONDS} s`,
					'top -d 1 in the same pane size, now',
				][i]!,
			];
			rows[i]!.push(cell);
		});
	}
	killSleepers();
	const bench = process.resourceUsage().maxRSS / 1024;
	const width0 = Math.max(...rows.map(r => r[0].length));
	const widths = cols.map((c, i) => Math.max(c.length, ...rows.map(r => r[i + 1]!.length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width0) : c.padStart(widths[i - 1]!))).join('  ');
	console.log(`leaktop benchmark — ${ticksNote()}; load average before: ${loadBefore}`);
	console.log(line(['', ...cols]));
	for (const row of rows) console.log(line(row));
	console.log(`bench process peak RSS (tsx + sources + stores): ${bench.toFixed(1)} MiB`);
	console.log('targets: sampling ≤ 1% of a core at 1000 processes, ≤ 3% at 5000, no tick > 50 ms; whole live view ≤ 2% / ≤ 5%,');
	console.log('first frame ≤ 250 ms, idle RSS ≤ 80 MB. snapshot waits 0.5 s on purpose.');
}

function ticksNote(): string {
	return `${TICKS} back-to-back ticks, ${CPU_SECONDS} s of 1 s ticks, defaults (detailTop 20, PSS budget 2 ms), ${readdirSync('/sys/devices/system/cpu').filter(n => /^cpu\d+$/.test(n)).length} CPUs`;
}

try {
	await main();
} finally {
	killSleepers();
}
