import assert from 'node:assert/strict';
import {test} from 'node:test';
import {execa} from 'execa';
import {Files} from '../../source/probe/files.js';
import {preflight} from '../../source/kmem/perf.js';
import {traceKmem} from '../../source/kmem/trace.js';
import {isAlive} from './fake-perf.js';

// A kernel-side leak made from user space: every eventfd(2) kmallocs an eventfd_ctx in
// do_eventfd(), and none is freed while the fds stay open.
const LEAKER = `
import os, sys, time
with open('/proc/self/comm', 'w') as comm:
    comm.write('kmem leak test')
fds = [os.eventfd(0)]
print('ready', flush=True)
while True:
    fds.append(os.eventfd(0))
    time.sleep(0.005)
`;

const files = new Files();
const ready = await preflight({files});
const python = await execa('python3', ['-c', 'import os; os.eventfd'], {reject: false});
const skip = !ready.ok ? `kmem tracing unavailable here: ${ready.message}` : python.failed ? 'python3 with os.eventfd is needed to make the leak' : false;

test('a live trace finds an eventfd leak made by a child process', {skip}, async () => {
	const leaker = execa('python3', ['-c', LEAKER], {reject: false});
	try {
		await new Promise<void>((resolve, reject) => {
			leaker.stdout?.once('data', () => resolve());
			leaker.once('exit', () => reject(new Error('leaker exited early')));
		});
		const trace = traceKmem({files, durationSec: 3, graceSec: 1});
		const result = await trace.result;
		assert.ok(result.ok, JSON.stringify(result));
		const report = result.value;
		for (const pid of trace.perfPids) assert.equal(isAlive(pid), false, `perf ${pid} left running`);
		assert.ok(report.traceSec > 2, `trace covered ${report.traceSec} s`);
		assert.ok(report.ignoredTracerAllocs > 0, "perf's own allocations are seen and left out");
		const eventfd = report.outstanding.find(site => site.symbol?.startsWith('do_eventfd+') && site.comms.includes('kmem leak test'));
		assert.ok(
			eventfd,
			`no do_eventfd call site among ${report.outstanding.length} outstanding: ${JSON.stringify(report.outstanding.slice(0, 10))}`,
		);
		assert.ok(eventfd.count >= 50, `only ${eventfd.count} eventfd contexts outstanding`);
		assert.ok(eventfd.cache.startsWith('kmalloc-'));
		assert.ok(eventfd.oldestAgeSec >= 1);
		assert.ok(
			report.outstanding.some(site => site.symbol?.startsWith('alloc_empty_file+') && site.cache === 'filp' && site.comms.includes('kmem leak test')),
			'the open files behind the eventfds are outstanding too',
		);
	} finally {
		leaker.kill('SIGKILL');
		await leaker;
	}
});
