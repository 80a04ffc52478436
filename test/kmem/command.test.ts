import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {after, test} from 'node:test';
import {Files} from '../../source/probe/files.js';
import {kmemCommand, type KmemCommandOptions} from '../../source/kmem/command.js';
import type {KmemReport} from '../../source/kmem/match.js';
import {kmemFixture, makeFakePerf, type FakePerf} from './fake-perf.js';

const fakes: FakePerf[] = [];
after(() => {
	for (const made of fakes) made.remove();
});
const files = new Files({procRoot: kmemFixture('machine/proc'), sysRoot: kmemFixture('machine/sys')});
const streamCapture = `trap 'exit 130' INT; cat "${kmemFixture('script-lost.txt')}"; while :; do sleep 0.05; done`;

async function runCommand(bodies: Parameters<typeof makeFakePerf>[0], options: Partial<KmemCommandOptions>) {
	const perf = makeFakePerf(bodies);
	fakes.push(perf);
	const out = new PassThrough();
	const err = new PassThrough();
	let outText = '';
	let errText = '';
	out.on('data', chunk => (outText += chunk));
	err.on('data', chunk => (errText += chunk));
	const code = await kmemCommand({durationSec: 1, json: false, perfPath: perf.path, files, ...options}, out, err);
	return {code, out: outText, err: errText};
}

test('text report: totals, incomplete warning, named call sites', async () => {
	const {code, out, err} = await runCommand({record: streamCapture, script: `cat; cat "${kmemFixture('script-lost.stderr')}" >&2`}, {graceSec: 0});
	assert.equal(code, 0, err);
	assert.match(err, /^tracing kmalloc\/kfree for 1 s…$/m);
	assert.match(out, /^kmem trace: 0\.\d s, all caches$/m);
	assert.match(out, /^INCOMPLETE: perf lost \d+ events; perf lost 64\.67% of samples$/m);
	assert.match(out, /^COUNT +REQUESTED +ALLOCATED +CACHE +CALL SITE +BY$/m);
	assert.match(out, /^ +7 +1\.3 KiB +1\.3 KiB +filp +alloc_empty_file\+0x3c +:16825,perf-exec,leaky worker 1$/m);
	assert.match(out, /^… 10 more call sites \(--json shows all\)$/m);
	assert.match(out, /\* kmalloc cache inferred from size and gfp flags/);
});

test('text report for one kmalloc cache finds the eventfd call site', async () => {
	const {code, out} = await runCommand({record: streamCapture}, {graceSec: 0, cache: 'kmalloc-64'});
	assert.equal(code, 0);
	assert.match(out, /^kmem trace: 0\.\d s, cache kmalloc-64$/m);
	assert.match(out, /^ +\d+ +\d+ B +\d+ B +kmalloc-64\* +do_eventfd\+0x34 +leaky worker 1$/m);
});

test('with the default grace period nothing in a 0.1 s capture is old enough', async () => {
	const {code, out} = await runCommand({record: streamCapture}, {});
	assert.equal(code, 0);
	assert.match(out, /^nothing allocated more than 1 s before the end is still live \(\d+ younger\)$/m);
});

test('JSON report with a cache filter', async () => {
	const {code, out, err} = await runCommand({record: streamCapture}, {json: true, cache: 'filp', graceSec: 0});
	assert.equal(code, 0, err);
	assert.equal(err, '', 'JSON mode prints no progress');
	const report = JSON.parse(out) as KmemReport;
	assert.equal(report.cache, 'filp');
	assert.ok(report.outstanding.length > 0);
	assert.ok(report.outstanding.every(site => site.cache === 'filp'));
	assert.equal(report.outstanding[0]!.symbol?.startsWith('alloc_empty_file+'), true);
	assert.equal(report.incomplete, true);
});

test('perf missing: exit 1 and one line saying how to install it', async () => {
	const {code, out, err} = await runCommand({}, {perfPath: '/nonexistent/perf'});
	assert.equal(code, 1);
	assert.equal(out, '');
	assert.match(err, /^leaktop kmem: perf is not installed: apt-get install linux-perf .*\n$/);
});

test('permission error from perf record: exit 1, one line, no stack', async () => {
	const {code, out, err} = await runCommand({record: `cat "${kmemFixture('record-no-permission.stderr')}" >&2; exit 129`}, {json: true});
	assert.equal(code, 1);
	assert.equal(out, '');
	assert.equal(err.split('\n').length, 2);
	assert.match(err, /^leaktop kmem: perf may not trace kmem events: No permissions to read/);
});

test('a nonsense duration is refused', async () => {
	const {code, err} = await runCommand({}, {durationSec: 0});
	assert.equal(code, 1);
	assert.match(err, /--duration must be a positive number/);
});
