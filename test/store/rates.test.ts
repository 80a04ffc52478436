import assert from 'node:assert/strict';
import {test} from 'node:test';
import {vmstatRates} from '../../source/store/rates.js';
import {sampleAt} from '../helpers/samples.js';

test('vmstat columns in vmstat units: KiB/s for si/so/bi/bo, per second for in/cs, CPU in %', () => {
	const before = sampleAt({sec: 0, vmstat: {pgpgin: 1000, pgpgout: 0, pswpin: 0, pswpout: 10, pgscan_kswapd: 0, pgscan_direct: 0, oom_kill: 1}, intr: 100, ctxt: 50, cpu: {user: 100, system: 100, idle: 100}});
	const after = sampleAt({
		sec: 2,
		vmstat: {pgpgin: 3000, pgpgout: 400, pswpin: 100, pswpout: 10, pgscan_kswapd: 30, pgscan_direct: 10, pgscan_khugepaged: 2, oom_kill: 3, workingset_refault_file: 8},
		intr: 4100,
		ctxt: 1050,
		cpu: {user: 125, nice: 5, system: 110, idle: 150, iowait: 5, irq: 2, softirq: 3, steal: 0},
	});
	const r = vmstatRates(before, after);
	assert.equal(r.bi, 1000, 'pgpgin is already in KiB');
	assert.equal(r.bo, 200);
	assert.equal(r.si, (100 * 4) / 2, 'pages × 4 KiB per second');
	assert.equal(r.so, 0);
	assert.equal(r.in, 2000);
	assert.equal(r.cs, 500);
	assert.equal(r.sr, (30 + 10 + 2) / 2, 'pgscan_khugepaged appearing later counts from 0');
	assert.equal(r.oomKills, 2);
	// 100 ticks: user+nice 30, system+irq+softirq 15, idle 50, iowait 5.
	assert.deepEqual([r.us, r.sy, r.id, r.wa, r.st], [30, 15, 50, 5, 0]);
	assert.deepEqual([r.r, r.b], [1, 0]);
});

test('counters that go backwards (reboot in a recording, wrap) give 0, not a negative rate', () => {
	const r = vmstatRates(sampleAt({sec: 0, vmstat: {pgpgin: 500}, intr: 10, ctxt: 10}), sampleAt({sec: 1, vmstat: {pgpgin: 100}, intr: 5, ctxt: 5}));
	assert.deepEqual([r.bi, r.in, r.cs], [0, 0, 0]);
});

test('missing files and zero elapsed time give n/a, never a division by zero', () => {
	const noVm = vmstatRates(sampleAt({sec: 0, vmstat: null}), sampleAt({sec: 1, vmstat: null}));
	assert.deepEqual([noVm.bi, noVm.si, noVm.sr, noVm.refaultsPerSec, noVm.oomKills], [null, null, null, null, null]);
	const same = vmstatRates(sampleAt({sec: 1, vmstat: {pgpgin: 1}}), sampleAt({sec: 1, vmstat: {pgpgin: 5}}));
	assert.equal(same.bi, null);
	const idle = vmstatRates(sampleAt({sec: 0}), sampleAt({sec: 1}));
	assert.deepEqual([idle.us, idle.id], [null, null], 'no cpu ticks elapsed: no percentages');
});
