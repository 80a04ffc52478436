import assert from 'node:assert/strict';
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {Files} from '../../source/probe/files.js';
import {preflight, startPerfTrace, type PerfTraceOptions} from '../../source/kmem/perf.js';
import {isAlive, kmemFixture, makeFakePerf, waitGone, type FakePerf} from './fake-perf.js';

const fakes: FakePerf[] = [];
const fake = (bodies: Parameters<typeof makeFakePerf>[0]) => {
	const made = makeFakePerf(bodies);
	fakes.push(made);
	return made;
};
after(() => {
	for (const made of fakes) {
		for (const pid of [...made.pids('record'), ...made.pids('script')]) {
			if (isAlive(pid)) process.kill(pid, 'SIGKILL');
		}
		made.remove();
	}
});

const capture = kmemFixture('script-lost.txt');
const captureLines = readFileSync(capture, 'utf8').split('\n').filter(Boolean);
// Like real perf: streams events until SIGINT, then exits by re-raising it (130).
const streamUntilInterrupted = `trap 'exit 130' INT; cat "${capture}"; while :; do sleep 0.05; done`;

async function run(perf: FakePerf, options: Partial<PerfTraceOptions> = {}) {
	const lines: string[] = [];
	// 1 s leaves a loaded machine time to start bash and cat the capture before the SIGINT.
	const trace = startPerfTrace({perfPath: perf.path, durationSec: 1, ...options}, line => lines.push(line));
	const outcome = await trace.done;
	return {trace, lines, outcome};
}

test('streams perf script lines, stops perf record with SIGINT after the duration', async () => {
	const perf = fake({record: streamUntilInterrupted});
	const {trace, lines, outcome} = await run(perf);
	assert.ok(outcome.ok, JSON.stringify(outcome));
	assert.deepEqual(outcome.value.incompleteReasons, []);
	assert.deepEqual(lines, captureLines);
	assert.deepEqual(trace.perfPids, [...perf.pids('record'), ...perf.pids('script')]);
	for (const pid of trace.perfPids) assert.equal(isAlive(pid), false);
});

test('perf found on the given PATH', async () => {
	const perf = fake({record: streamUntilInterrupted});
	const lines: string[] = [];
	const outcome = await startPerfTrace({searchPath: perf.searchPath, durationSec: 1}, line => lines.push(line)).done;
	assert.ok(outcome.ok);
	assert.equal(lines.length, captureLines.length);
	assert.equal(perf.pids('record').length, 1);
});

test('perf missing: says how to install it', async () => {
	const outcome = await startPerfTrace({perfPath: '/nonexistent/perf', durationSec: 0.2}, () => {}).done;
	assert.equal(outcome.ok, false);
	assert.equal(!outcome.ok && outcome.problem, 'perf-missing');
	assert.match(!outcome.ok ? outcome.message : '', /apt-get install linux-perf/);
	const empty = mkdtempSync(join(tmpdir(), 'leaktop-no-perf-'));
	try {
		const onPath = await startPerfTrace({searchPath: empty, durationSec: 0.2}, () => {}).done;
		assert.equal(!onPath.ok && onPath.problem, 'perf-missing');
	} finally {
		rmSync(empty, {recursive: true, force: true});
	}
});

test('permission error (exit 129, real perf stderr) is not-privileged', async () => {
	const perf = fake({record: `cat "${kmemFixture('record-no-permission.stderr')}" >&2; exit 129`});
	const {outcome} = await run(perf);
	assert.equal(!outcome.ok && outcome.problem, 'not-privileged');
	assert.match(!outcome.ok ? outcome.message : '', /No permissions to read \/sys\/kernel\/tracing\/events\/kmem\/kmalloc/);
	assert.doesNotMatch(!outcome.ok ? outcome.message : '', /\n/);
});

test('unknown tracepoint (exit 129, real perf stderr) is tracepoints-missing', async () => {
	const perf = fake({record: `cat "${kmemFixture('record-unknown-tracepoint.stderr')}" >&2; exit 129`});
	const {outcome} = await run(perf);
	assert.equal(!outcome.ok && outcome.problem, 'tracepoints-missing');
	assert.match(!outcome.ok ? outcome.message : '', /kmem\/nosuch not found/);
});

test('perf record that ignores SIGINT is killed with SIGKILL', async () => {
	const perf = fake({record: `trap '' INT; cat "${capture}"; exec sleep 30`});
	const {lines, outcome} = await run(perf, {stopTimeoutMs: 300});
	assert.ok(outcome.ok);
	assert.deepEqual(outcome.value.incompleteReasons, ['perf record ignored SIGINT for 300 ms and was killed']);
	assert.equal(lines.length, captureLines.length);
	assert.equal(isAlive(perf.pids('record')[0]!), false);
});

test('perf record killed mid-stream: what arrived is kept, the result is marked incomplete', async () => {
	const perf = fake({record: `head -n 100 "${capture}"; kill -9 $$`});
	const {lines, outcome} = await run(perf, {durationSec: 5});
	assert.ok(outcome.ok);
	assert.equal(lines.length, 100);
	assert.deepEqual(outcome.value.incompleteReasons, ['perf record ended with signal SIGKILL']);
});

test('perf script dying mid-stream stops perf record too', async () => {
	const perf = fake({record: streamUntilInterrupted, script: `head -n 50; echo "script went wrong" >&2; exit 255`});
	const {lines, outcome} = await run(perf, {durationSec: 30});
	assert.ok(outcome.ok);
	assert.equal(lines.length, 50);
	assert.deepEqual(outcome.value.incompleteReasons, ['perf script ended with exit code 255: script went wrong']);
	assert.equal(isAlive(perf.pids('record')[0]!), false);
});

test('perf script that hangs after the stream ends is killed', async () => {
	const perf = fake({record: streamUntilInterrupted, script: `trap '' INT; cat; exec sleep 30`});
	const {outcome} = await run(perf, {durationSec: 0.2, drainTimeoutMs: 300});
	assert.ok(outcome.ok);
	assert.deepEqual(outcome.value.incompleteReasons, ['perf script did not finish within 300 ms of perf record and was killed']);
	assert.equal(isAlive(perf.pids('script')[0]!), false);
});

test('stop() ends a long trace early', async () => {
	const perf = fake({record: streamUntilInterrupted});
	let stopped = false;
	const trace = startPerfTrace({perfPath: perf.path, durationSec: 600}, () => {
		if (!stopped) {
			stopped = true;
			trace.stop();
		}
	});
	const outcome = await trace.done;
	assert.ok(outcome.ok);
	assert.deepEqual(outcome.value.incompleteReasons, []);
	for (const pid of trace.perfPids) assert.equal(isAlive(pid), false);
});

test('perf script stderr is handed back for lost-event warnings', async () => {
	const perf = fake({record: streamUntilInterrupted, script: `cat; cat "${kmemFixture('script-lost.stderr')}" >&2`});
	const {outcome} = await run(perf);
	assert.ok(outcome.ok);
	assert.deepEqual(outcome.value.scriptWarnings, ['Warning:', 'Processed 398154 samples and lost 64.67%!']);
});

test('SIGTERM to leaktop while tracing leaves no perf running', async () => {
	const perf = fake({record: streamUntilInterrupted});
	const {execa} = await import('execa');
	const child = execa('node', ['--import', 'tsx', new URL('./trace-child.ts', import.meta.url).pathname, perf.path], {
		reject: false,
		cwd: new URL('../..', import.meta.url).pathname,
	});
	try {
		await new Promise<void>((resolve, reject) => {
			child.stdout?.on('data', (chunk: Buffer) => {
				if (chunk.toString().includes('tracing')) resolve();
			});
			child.once('exit', () => reject(new Error('trace child exited early')));
		});
		const until = Date.now() + 10_000;
		while ((perf.pids('record').length === 0 || perf.pids('script').length === 0) && Date.now() < until) {
			await new Promise(resolve => setTimeout(resolve, 25));
		}
		const [recordPid] = perf.pids('record');
		const [scriptPid] = perf.pids('script');
		assert.ok(recordPid !== undefined && scriptPid !== undefined, 'fake perf never started');
		assert.ok(isAlive(recordPid));
		child.kill('SIGTERM');
		const result = await child;
		assert.equal(result.signal, 'SIGTERM');
		assert.ok(await waitGone(recordPid, 5000), 'perf record still running after leaktop got SIGTERM');
		assert.ok(await waitGone(scriptPid, 5000), 'perf script still running after leaktop got SIGTERM');
	} finally {
		child.kill('SIGKILL');
	}
});

function preflightTree(edit: (proc: string, sys: string) => void): Files {
	const root = mkdtempSync(join(tmpdir(), 'leaktop-preflight-'));
	cpSync(kmemFixture('machine'), root, {recursive: true});
	edit(join(root, 'proc'), join(root, 'sys'));
	roots.push(root);
	return new Files({procRoot: join(root, 'proc'), sysRoot: join(root, 'sys')});
}
const roots: string[] = [];
after(() => {
	for (const root of roots) rmSync(root, {recursive: true, force: true});
});
const withoutLine = (path: string, pattern: RegExp) =>
	writeFileSync(path, readFileSync(path, 'utf8').split('\n').filter(line => !pattern.test(line)).join('\n'));
const withCapEff = (proc: string, hex: string) =>
	writeFileSync(join(proc, 'self/status'), readFileSync(join(proc, 'self/status'), 'utf8').replace(/^CapEff:.*$/m, `CapEff:\t${hex}`));

test('preflight: root, tracefs mounted, the four tracepoints present', async () => {
	const perf = fake({});
	const result = await preflight({perfPath: perf.path, files: preflightTree(() => {}), euid: 0});
	assert.deepEqual(result, {ok: true, value: {perfVersion: 'perf version 6.1.fake', notes: []}});
});

test('preflight: perf missing', async () => {
	const result = await preflight({perfPath: '/nonexistent/perf', files: preflightTree(() => {}), euid: 0});
	assert.equal(!result.ok && result.problem, 'perf-missing');
});

test('preflight: a perf that does not run says why', async () => {
	const perf = fake({version: 'echo "E: linux-perf-6.18 is not installed." >&2; exit 2'});
	const result = await preflight({perfPath: perf.path, files: preflightTree(() => {}), euid: 0});
	assert.deepEqual(result, {ok: false, problem: 'perf-failed', message: 'perf does not run: E: linux-perf-6.18 is not installed.'});
});

test('preflight: not root and no CAP_PERFMON', async () => {
	const perf = fake({});
	const files = preflightTree(proc => withCapEff(proc, '0000000000000000'));
	const result = await preflight({perfPath: perf.path, files, euid: 1000});
	assert.equal(!result.ok && result.problem, 'not-privileged');
	assert.match(!result.ok ? result.message : '', /root or CAP_PERFMON/);
});

test('preflight: not root but CAP_PERFMON is enough', async () => {
	const perf = fake({});
	const files = preflightTree(proc => withCapEff(proc, '0000004000000000'));
	const result = await preflight({perfPath: perf.path, files, euid: 1000});
	assert.equal(result.ok, true);
});

test('preflight: tracefs not mounted — root lets perf mount it, others are told how', async () => {
	const perf = fake({});
	const files = preflightTree(proc => withoutLine(join(proc, 'mounts'), /tracefs/));
	const asRoot = await preflight({perfPath: perf.path, files, euid: 0});
	assert.ok(asRoot.ok);
	assert.deepEqual(asRoot.value.notes, ['tracefs is not mounted; perf will mount it at /sys/kernel/tracing']);
	const capable = preflightTree(proc => {
		withoutLine(join(proc, 'mounts'), /tracefs/);
		withCapEff(proc, '0000004000000000');
	});
	const asUser = await preflight({perfPath: perf.path, files: capable, euid: 1000});
	assert.equal(!asUser.ok && asUser.problem, 'tracefs-missing');
	assert.match(!asUser.ok ? asUser.message : '', /mount -t tracefs nodev \/sys\/kernel\/tracing/);
});

test('preflight: a kernel without tracefs', async () => {
	const perf = fake({});
	const files = preflightTree(proc => {
		withoutLine(join(proc, 'mounts'), /tracefs/);
		withoutLine(join(proc, 'filesystems'), /tracefs/);
	});
	const result = await preflight({perfPath: perf.path, files, euid: 0});
	assert.equal(!result.ok && result.problem, 'tracefs-missing');
	assert.match(!result.ok ? result.message : '', /no tracefs/);
});

test('preflight: tracepoints missing, and tracefs unreadable', async () => {
	const perf = fake({});
	const files = preflightTree((_proc, sys) => rmSync(join(sys, 'kernel/tracing/events/kmem/kmem_cache_free'), {recursive: true}));
	const result = await preflight({perfPath: perf.path, files, euid: 0});
	assert.equal(!result.ok && result.problem, 'tracepoints-missing');
	assert.equal(!result.ok && result.message, 'this kernel lacks the tracepoints kmem:kmem_cache_free');
	const root = mkdtempSync(join(tmpdir(), 'leaktop-preflight-'));
	roots.push(root);
	cpSync(kmemFixture('machine'), root, {recursive: true});
	const denied = new Files({procRoot: join(root, 'proc'), sysRoot: join(root, 'sys'), deny: path => (path.includes('/events/') ? 'EACCES' : undefined)});
	const unreadable = await preflight({perfPath: perf.path, files: denied, euid: 0});
	assert.equal(!unreadable.ok && unreadable.problem, 'not-privileged');
});
