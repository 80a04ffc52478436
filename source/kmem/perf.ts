import {createInterface} from 'node:readline';
import {execa, type ResultPromise} from 'execa';
import type {Files} from '../probe/files.js';

/** Why kmem tracing cannot run here; each comes with a one-line message saying what to do. */
export type KmemProblem = 'perf-missing' | 'not-privileged' | 'tracefs-missing' | 'tracepoints-missing' | 'perf-failed';

/** Like probe's Result, but failures name a kmem problem and carry a message fit to print. */
export type KmemOutcome<T> = {ok: true; value: T} | {ok: false; problem: KmemProblem; message: string};

const failure = <T>(problem: KmemProblem, message: string): KmemOutcome<T> => ({ok: false, problem, message});

/** The four tracepoints traced, under the kmem: group. */
export const KMEM_EVENTS = ['kmalloc', 'kfree', 'kmem_cache_alloc', 'kmem_cache_free'] as const;

export interface PerfOptions {
	/** The perf binary: a path, or a name looked up on searchPath. */
	perfPath?: string;
	/** PATH used to find perf (tests put a fake perf first). Defaults to this process's PATH. */
	searchPath?: string;
}

export interface PreflightOptions extends PerfOptions {
	files: Files;
	/** Effective uid; injectable so tests can play a non-root user. */
	euid?: number;
}

export interface PreflightInfo {
	perfVersion: string;
	/** Things worth saying that do not stop the trace ("perf will mount tracefs"). */
	notes: string[];
}

const INSTALL_PERF = 'perf is not installed: apt-get install linux-perf (Debian), linux-tools-$(uname -r) (Ubuntu), or dnf install perf';
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;

/** Checks, before starting anything, that perf can trace the kmem tracepoints on this machine. */
export async function preflight(options: PreflightOptions): Promise<KmemOutcome<PreflightInfo>> {
	const {files} = options;
	const version = await execa(options.perfPath ?? 'perf', ['version'], {
		...execEnv(options),
		reject: false,
		timeout: 10_000,
		stdin: 'ignore',
	});
	if (version.code === 'ENOENT' || version.code === 'EACCES') return failure('perf-missing', INSTALL_PERF);
	if (version.failed) {
		const said = firstMeaningfulLine(String(version.stderr ?? '')) ?? version.shortMessage;
		return failure('perf-failed', `perf does not run: ${said}`);
	}
	const notes: string[] = [];
	const root = (options.euid ?? process.geteuid?.() ?? 0) === 0;
	if (!root && !hasTracingCapability(files)) {
		return failure('not-privileged', 'kmem tracing needs root or CAP_PERFMON: run it with sudo');
	}
	const tracing = findTracingDir(files);
	if (tracing === undefined) {
		const supported = files.readText(files.proc('filesystems'));
		if (supported.ok && !/\ttracefs\n/.test(supported.value)) {
			return failure('tracefs-missing', 'this kernel has no tracefs (built without CONFIG_FTRACE): kmem tracepoints are unavailable');
		}
		// Observed on 6.18: perf run as root mounts tracefs at /sys/kernel/tracing by itself.
		if (root) {
			notes.push('tracefs is not mounted; perf will mount it at /sys/kernel/tracing');
			return {ok: true, value: {perfVersion: String(version.stdout).trim(), notes}};
		}
		return failure('tracefs-missing', 'tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing');
	}
	const listed = files.listDir(`${tracing}/events/kmem`);
	if (!listed.ok && listed.reason === 'EACCES') {
		return failure('not-privileged', `no permission to read ${tracing}/events/kmem: run it as root`);
	}
	const present = new Set(listed.ok ? listed.value : []);
	const missing = KMEM_EVENTS.filter(event => !present.has(event));
	if (missing.length > 0) {
		return failure('tracepoints-missing', `this kernel lacks the tracepoints ${missing.map(event => `kmem:${event}`).join(', ')}`);
	}
	return {ok: true, value: {perfVersion: String(version.stdout).trim(), notes}};
}

function hasTracingCapability(files: Files): boolean {
	const status = files.readText(files.proc('self/status'));
	if (!status.ok) return false;
	const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status.value)?.[1];
	if (hex === undefined) return false;
	const caps = BigInt(`0x${hex}`);
	return ((caps >> CAP_PERFMON) & 1n) === 1n || ((caps >> CAP_SYS_ADMIN) & 1n) === 1n;
}

/** Where tracefs is mounted (under the sys root), from /proc/mounts; undefined when it is not. */
function findTracingDir(files: Files): string | undefined {
	const mounts = files.readText(files.proc('mounts'));
	if (!mounts.ok) return undefined;
	for (const line of mounts.value.split('\n')) {
		const [, mountPoint, type] = line.split(' ');
		if (mountPoint === undefined) continue;
		const inSys = mountPoint.startsWith('/sys/') ? files.sys(mountPoint.slice('/sys/'.length)) : mountPoint;
		if (type === 'tracefs') return inSys;
		if (type === 'debugfs' && files.listDir(`${inSys}/tracing/events`).ok) return `${inSys}/tracing`;
	}
	return undefined;
}

export interface PerfTraceOptions extends PerfOptions {
	durationSec: number;
	/** How long perf record gets to exit after SIGINT before SIGKILL. */
	stopTimeoutMs?: number;
	/** How long perf script gets to finish the stream after perf record is gone. */
	drainTimeoutMs?: number;
}

export interface PerfTraceEnd {
	/** perf record and perf script, whose own kernel activity is not the machine's. */
	perfPids: number[];
	/** perf script's stderr lines (lost-event warnings live there). */
	scriptWarnings: string[];
	/** Set when the stream may be cut short: perf killed, perf script died… */
	incompleteReasons: string[];
}

/** A running `perf record | perf script`; stop() ends it early, done settles when perf is gone. */
export interface PerfTrace {
	readonly perfPids: number[];
	stop(): void;
	readonly done: Promise<KmemOutcome<PerfTraceEnd>>;
}

const STDERR_CAP_BYTES = 64 * 1024;

/**
 * Streams `perf record -o -` into `perf script -i -` and hands every output line to onLine.
 * A pipe, not a perf.data file: a killed perf leaves a truncated file that perf script rejects.
 * perf is stopped with SIGINT (it flushes), then SIGKILL; execa's cleanup kills both with SIGKILL
 * if leaktop exits (q, Ctrl-C, SIGTERM) while they run.
 */
export function startPerfTrace(options: PerfTraceOptions, onLine: (line: string) => void): PerfTrace {
	const perf = options.perfPath ?? 'perf';
	const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
	const drainTimeoutMs = options.drainTimeoutMs ?? 15_000;
	const common = {...execEnv(options), reject: false, buffer: false, cleanup: true, killSignal: 'SIGKILL'} as const;
	const events = KMEM_EVENTS.map(event => `kmem:${event}`).join(',');
	// -m 4M per CPU: the default buffer loses most events on a busy box; -B -N skip build-id work.
	const record = execa(perf, ['record', '-e', events, '-a', '-m', '4M', '-B', '-N', '-o', '-'], {
		...common,
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
	});
	const script = execa(
		perf,
		['script', '--show-lost-events', '-F', 'trace:comm,pid,tid,cpu,time,event,trace', '-i', '-'],
		{...common, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe'},
	);
	const perfPids = [record.pid, script.pid].filter((pid): pid is number => pid !== undefined);
	const reasons: string[] = [];
	const recordErr = collect(record);
	const scriptErr = collect(script);
	// A dying perf script makes the pipe fail with EPIPE; its exit is reported below instead, and
	// perf record's output is drained so it is not stuck in write() when the SIGINT comes.
	record.stdout?.on('error', () => {});
	script.stdin?.on('error', () => {});
	script.stdin?.on('close', () => record.stdout?.resume());
	if (record.stdout && script.stdin) record.stdout.pipe(script.stdin);
	else script.stdin?.end();

	let recordExited = false;
	let scriptExited = false;
	let signalledRecord = false;
	let killedScript = false;
	let lineCount = 0;
	const timers: NodeJS.Timeout[] = [];

	const stop = () => {
		if (recordExited || signalledRecord) return;
		signalledRecord = true;
		record.kill('SIGINT');
		timers.push(
			setTimeout(() => {
				if (recordExited) return;
				reasons.push(`perf record ignored SIGINT for ${stopTimeoutMs} ms and was killed`);
				record.kill('SIGKILL');
			}, stopTimeoutMs),
		);
	};
	timers.push(setTimeout(stop, Math.max(0, options.durationSec * 1000)));

	const lines = script.stdout ? createInterface({input: script.stdout, crlfDelay: Infinity}) : undefined;
	lines?.on('line', line => {
		lineCount++;
		onLine(line);
	});
	const linesDone = lines ? new Promise<void>(resolve => lines.once('close', resolve)) : Promise.resolve();

	const recordDone = record.then(result => {
		recordExited = true;
		if (!scriptExited) {
			timers.push(
				setTimeout(() => {
					if (scriptExited) return;
					reasons.push(`perf script did not finish within ${drainTimeoutMs} ms of perf record and was killed`);
					killedScript = true;
					script.kill('SIGKILL');
				}, drainTimeoutMs),
			);
		}
		return result;
	});
	const scriptDone = script.then(result => {
		scriptExited = true;
		stop();
		return result;
	});

	const done = (async (): Promise<KmemOutcome<PerfTraceEnd>> => {
		const [recordResult, scriptResult] = await Promise.all([recordDone, scriptDone, linesDone]);
		for (const timer of timers) clearTimeout(timer);
		if (recordResult.code === 'ENOENT' || recordResult.code === 'EACCES') return failure('perf-missing', INSTALL_PERF);
		const recordText = recordErr();
		const scriptText = scriptErr();
		// After our SIGINT perf re-raises it (exit 130 / signal SIGINT): that is the normal end.
		const recordEndedWell = recordResult.exitCode === 0 || (signalledRecord && (recordResult.exitCode === 130 || recordResult.signal === 'SIGINT'));
		if (!recordEndedWell) {
			if (!signalledRecord && lineCount === 0) return classifyRecordFailure(recordResult.exitCode, recordResult.signal, recordText);
			if (recordResult.signal !== 'SIGKILL' || !signalledRecord) {
				const said = firstMeaningfulLine(recordText);
				reasons.push(`perf record ended with ${describeEnd(recordResult.exitCode, recordResult.signal)}${said ? `: ${said}` : ''}`);
			}
		}
		if (scriptResult.exitCode !== 0 && !killedScript) {
			const said = firstMeaningfulLine(scriptText);
			reasons.push(`perf script ended with ${describeEnd(scriptResult.exitCode, scriptResult.signal)}${said ? `: ${said}` : ''}`);
		}
		return {
			ok: true,
			value: {perfPids, scriptWarnings: scriptText.split('\n').filter(line => line.trim() !== ''), incompleteReasons: reasons},
		};
	})();

	return {perfPids, stop, done};
}

function classifyRecordFailure(exitCode: number | undefined, signal: string | undefined, stderr: string): KmemOutcome<never> {
	const said = firstMeaningfulLine(stderr);
	// perf exits 129 both for "no permission" and "unknown tracepoint": only its words tell them apart.
	if (/No permission|Permission denied|perf_event_paranoid/i.test(stderr)) {
		return failure('not-privileged', `perf may not trace kmem events: ${said ?? 'permission denied'} (run as root)`);
	}
	if (/unknown tracepoint|event syntax error/i.test(stderr)) {
		return failure('tracepoints-missing', `perf cannot find the kmem tracepoints: ${said ?? 'unknown tracepoint'}`);
	}
	return failure('perf-failed', `perf record ended with ${describeEnd(exitCode, signal)}${said ? `: ${said}` : ''}`);
}

function describeEnd(exitCode: number | undefined, signal: string | undefined): string {
	return signal ? `signal ${signal}` : `exit code ${exitCode ?? '?'}`;
}

/** The line of perf's stderr that says what went wrong: its `Error:` line, else the first non-banner. */
function firstMeaningfulLine(text: string): string | undefined {
	const lines = text.split('\n').map(line => line.trim());
	const error = lines.find(line => line.startsWith('Error:'));
	if (error !== undefined) return error.slice('Error:'.length).trim();
	return lines.find(line => line !== '' && !line.startsWith('[ perf record:') && line !== 'Warning:');
}

/** Keeps at most STDERR_CAP_BYTES of a subprocess's stderr. */
function collect(subprocess: ResultPromise): () => string {
	let text = '';
	subprocess.stderr?.setEncoding('utf8');
	subprocess.stderr?.on('data', (chunk: string) => {
		if (text.length < STDERR_CAP_BYTES) text += chunk.slice(0, STDERR_CAP_BYTES - text.length);
	});
	return () => text;
}

function execEnv(options: PerfOptions): {env?: NodeJS.ProcessEnv} {
	return options.searchPath === undefined ? {} : {env: {PATH: options.searchPath}};
}
