import assert from 'node:assert/strict';
import {execa} from 'execa';
import {before, test} from 'node:test';
import {assertBuilt, cliJson, cliPath, repoRoot, runCli} from '../helpers/cli.js';
import {capturedPids, realRoots} from '../helpers/fixtures.js';

before(assertBuilt);

const REASONS = ['ok', 'ENOENT', 'EACCES', 'ESRCH', 'EOPNOTSUPP', 'PARSE', 'EMPTY', 'EIO'];
const MEMORY_KEYS = ['total', 'used', 'free', 'shared', 'buffCache', 'available', 'buffers', 'cached', 'sReclaimable', 'sUnreclaim', 'slab', 'kernelStack', 'pageTables', 'vmallocUsed', 'percpu', 'anonPages', 'swapTotal', 'swapUsed', 'swapFree'];
const VMSTAT_KEYS = ['r', 'b', 'si', 'so', 'bi', 'bo', 'in', 'cs', 'us', 'sy', 'id', 'wa', 'st', 'sr'];
const PROCESS_KEYS = ['pid', 'user', 'comm', 'cmdline', 'rss', 'anon', 'swap', 'pss', 'uss', 'rssGrowthPerMin'];
const SLAB_KEYS = ['name', 'activeObjs', 'numObjs', 'objSize', 'sizeBytes', 'growthPerMin'];

const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Checks one report against the README's JSON schema, names exactly. */
function assertSchema(report: Record<string, any>): void {
	// Issue 2's fields in this order; later issues add `cgroups` and `findings` (README, JSON table).
	assert.deepEqual(
		Object.keys(report).filter(key => key !== 'cgroups' && key !== 'findings'),
		['time', 'host', 'memory', 'vmstat', 'processes', 'slabs', 'sources'],
	);
	assert.equal(new Date(report.time).toISOString(), report.time);
	assert.deepEqual(Object.keys(report.host), ['hostname', 'kernel']);
	assert.deepEqual(Object.keys(report.memory), MEMORY_KEYS);
	for (const key of MEMORY_KEYS) assert.ok(numberOrNull(report.memory[key]), `memory.${key}`);
	assert.deepEqual(Object.keys(report.vmstat), VMSTAT_KEYS);
	for (const key of VMSTAT_KEYS) assert.ok(numberOrNull(report.vmstat[key]), `vmstat.${key}`);
	assert.ok(Array.isArray(report.processes));
	for (const p of report.processes) {
		assert.deepEqual(Object.keys(p), PROCESS_KEYS);
		assert.ok(Number.isInteger(p.pid) && typeof p.user === 'string' && typeof p.comm === 'string' && typeof p.cmdline === 'string');
		assert.ok(Number.isInteger(p.rss));
		for (const key of ['anon', 'swap', 'pss', 'uss', 'rssGrowthPerMin']) assert.ok(numberOrNull(p[key]), `process.${key}`);
	}
	const rss = report.processes.map((p: {rss: number}) => p.rss);
	assert.deepEqual(rss, [...rss].sort((a, b) => b - a), 'processes sorted by rss descending');
	for (const s of report.slabs) {
		assert.deepEqual(Object.keys(s), SLAB_KEYS);
		assert.ok(numberOrNull(s.growthPerMin));
	}
	const sizes = report.slabs.map((s: {sizeBytes: number}) => s.sizeBytes);
	assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'slabs sorted by sizeBytes descending');
	for (const [name, state] of Object.entries(report.sources)) assert.ok(REASONS.includes(state as string), `sources.${name}: ${String(state)}`);
}

for (const [args, names] of [
	[['--bogus'], /bogus/],
	[['snapshot', '--json', '--frobnicate', '3'], /frobnicate/],
	[['batch', '-d', 'abc'], /--interval: "abc"/],
	[['batch', '-d', '0'], /--interval/],
	[['batch', '-d', '-1'], /--interval/],
	[['snapshot', '--top', '0'], /--top/],
	[['snapshot', '--top', 'x'], /--top/],
	[['batch', '-n', '0'], /--count/],
	[['batch', '-n', '1.5'], /--count/],
	[['batch', '-d'], /interval|argument/i],
] as const) {
	test(`bad input \`leaktop ${args.join(' ')}\`: one error line naming it, exit 2, no stack trace`, async () => {
		const result = await runCli(args);
		assert.equal(result.exitCode, 2, String(result.stderr));
		assert.equal(result.stdout, '');
		const lines = String(result.stderr).trimEnd().split('\n');
		assert.match(lines[0]!, /^leaktop: /);
		assert.match(lines[0]!, names);
		assert.ok(lines.length <= 2, `at most the error and a hint: ${String(result.stderr)}`);
		if (lines[1] !== undefined) assert.equal(lines[1], "Try 'leaktop --help'.");
		assert.doesNotMatch(String(result.stderr), /^\s+at /m);
	});
}

test('--help and --version exit 0', async () => {
	const help = await runCli(['--help']);
	assert.equal(help.exitCode, 0);
	assert.match(String(help.stdout), /snapshot/);
	assert.match(String(help.stdout), /batch/);
	const version = await runCli(['--version']);
	assert.equal(version.exitCode, 0);
	assert.match(String(version.stdout), /^\d+\.\d+\.\d+/);
});

test('snapshot --json: exactly the documented schema, one object', async () => {
	const result = await runCli(['snapshot', '--json']);
	assert.equal(result.exitCode, 0, String(result.stderr));
	assert.equal(String(result.stdout).trimEnd().split('\n').length, 1);
	const report = JSON.parse(String(result.stdout));
	assertSchema(report);
	assert.equal(report.processes.length, 20, '--top defaults to 20');
	assert.ok(report.slabs.length > 0, 'root reads slabinfo');
	for (const key of VMSTAT_KEYS) assert.notEqual(report.vmstat[key], null, `rates exist after the short interval: ${key}`);
});

test('batch --json -n 2 prints exactly 2 NDJSON lines, each a full report', async () => {
	const result = await runCli(['batch', '--json', '-n', '2', '-d', '0.2', '--top', '3'], {stripFinalNewline: false});
	assert.equal(result.exitCode, 0, String(result.stderr));
	const lines = String(result.stdout).split('\n');
	assert.equal(lines.pop(), '', 'ends with a newline');
	assert.equal(lines.length, 2);
	const reports = lines.map(line => JSON.parse(line));
	for (const r of reports) {
		assertSchema(r);
		assert.equal(r.processes.length, 3);
	}
	assert.ok(Date.parse(reports[1].time) > Date.parse(reports[0].time));
});

test('batch runs report after report without piling up listeners (no warning after 11)', async () => {
	const result = await runCli(['batch', '--json', '-n', '15', '-d', '0.02', '--top', '1']);
	assert.equal(result.exitCode, 0, String(result.stderr));
	assert.equal(String(result.stdout).trim().split('\n').length, 15);
	assert.equal(result.stderr, '');
});

test('batch text output: top -b style blocks', async () => {
	const result = await runCli(['batch', '-n', '1', '-d', '0.2', '--top', '2']);
	assert.equal(result.exitCode, 0);
	assert.match(String(result.stdout), /^leaktop - /);
	assert.match(String(result.stdout), /^Mem: /m);
	assert.match(String(result.stdout), /PID +USER/);
});

test('`| head -1` closes the pipe: exit 0, nothing on stderr', async () => {
	const result = await execa('bash', ['-o', 'pipefail', '-c', `node ${cliPath} batch -d 0.1 --json | head -1`], {reject: false, cwd: repoRoot, timeout: 20_000});
	assert.equal(result.exitCode, 0, String(result.stderr));
	assert.equal(result.stderr, '');
	assert.equal(String(result.stdout).split('\n').length, 1);
	JSON.parse(String(result.stdout));
	const text = await execa('bash', ['-o', 'pipefail', '-c', `node ${cliPath} batch -d 0.1 | head -1`], {reject: false, cwd: repoRoot, timeout: 20_000});
	assert.equal(text.exitCode, 0, String(text.stderr));
	assert.equal(text.stderr, '');
});

test('--proc-root and --sys-root at a captured tree report that machine, not this one', async () => {
	const report = await cliJson(['snapshot', '--json', '--proc-root', realRoots.procRoot, '--sys-root', realRoots.sysRoot, '--top', '100']);
	assertSchema(report);
	assert.deepEqual(report.host, {hostname: 'vm', kernel: '6.18.44-fc-v782'});
	assert.equal(report.memory.total, 24683656 * 1024);
	assert.equal(report.memory.available, 24284420 * 1024);
	assert.equal(report.memory.used, (24683656 - 24284420) * 1024);
	assert.deepEqual(report.processes.map((p: {pid: number}) => p.pid).sort((a: number, b: number) => a - b), Object.values(capturedPids).sort((a, b) => a - b));
	const paren = report.processes.find((p: {pid: number}) => p.pid === capturedPids.paren);
	assert.equal(paren.comm, 'a) b (c');
	assert.equal(paren.pss, 8889 * 1024);
	assert.equal(report.slabs.length, 235);
	assert.equal(report.vmstat.cs, 0, 'the same files twice: no context switches');
	for (const name of ['meminfo', 'vmstat', 'stat', 'pressure', 'processes', 'pss', 'slabs']) assert.equal(report.sources[name], 'ok', name);
});
