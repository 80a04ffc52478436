import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {describe, it} from 'node:test';
import {minimumCheckDurationMs, runCheck} from '../../source/diagnose/check.js';
import {DEFAULT_THRESHOLDS, scaleThresholds} from '../../source/diagnose/thresholds.js';
import type {Sample} from '../../source/probe/sample.js';
import type {Source} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {anonTaken, MiB, timeline, type Scene} from './timeline.js';

/**
 * `leaktop check` runs on real timers, so these use a clock-driven synthetic machine a hundred
 * times faster than life (rules at timeScale 0.01, 20 ms standing for 2 s): a 1.5 s check stands
 * for 2.5 minutes.
 */
const TIME_SCALE = 0.01;
const INTERVAL_MS = 20;

class ClockSource implements Source {
	readonly kind = 'live';
	private readonly started = performance.now();
	constructor(private readonly scene: (tMs: number) => Scene) {}
	next(): Sample {
		const tMs = performance.now() - this.started;
		const sample = timeline(0, 1, () => this.scene(tMs))[0]!;
		return {...sample, monoMs: tMs};
	}
	close(): void {}
}

const leakingPid = 4100;
const quietPid = 4200;
/** 10 MiB/min in real-world terms, a page at a time. */
const machine = (leak: boolean) => (tMs: number) => {
	const grown = leak ? Math.floor(((tMs / 60_000) * 10 * MiB) / TIME_SCALE / 4096) * 4096 : 0;
	return {processes: [{pid: leakingPid, comm: 'leaky', rssBytes: 30 * MiB + grown}, {pid: quietPid, comm: 'quiet', rssBytes: 50 * MiB}], meminfo: anonTaken(grown)};
};

async function check(leak: boolean, pid?: number, durationMs = 1500) {
	let text = '';
	const out = new Writable({write: (chunk, _encoding, done) => ((text += String(chunk)), done())});
	const code = await runCheck(
		{
			durationMs,
			intervalMs: INTERVAL_MS,
			pid,
			diagnoser: {timeScale: TIME_SCALE},
			makeStore: analyze => new Store({source: new ClockSource(machine(leak)), intervalMs: INTERVAL_MS, systemPoints: 400, detailPoints: 400, growthWindowMs: 3000, analyze}),
		},
		out,
	);
	return {code, text};
}

describe('runCheck', () => {
	it('exits 1 and prints the finding when a process leaks', async () => {
		const {code, text} = await check(true);
		assert.equal(code, 1, text);
		assert.match(text, /^leaktop check: watched /);
		assert.match(text, /LEAK SUSPECTED: 2 findings\n\[warning\] process-leak {2}pid 4100 \(leaky\)/);
		assert.match(text, /\[warning\] pinned-memory {2}system/);
		assert.match(text, /still present/);
		assert.match(text, /evidence: pid=4100 comm=leaky/);
	});

	it('exits 0 on a quiet machine', async () => {
		const {code, text} = await check(false);
		assert.equal(code, 0, text);
		assert.match(text, /no leak suspected/);
	});

	it('--pid judges only that process: another leaking one is listed apart and does not fail the check', async () => {
		const {code, text} = await check(true, quietPid);
		assert.equal(code, 0, text);
		assert.match(text, /for pid 4200\nno leak suspected\nother findings \(not about this pid\):\n\[warning\] process-leak {2}pid 4100/);
	});

	it('--pid of the leaking process exits 1', async () => {
		assert.equal((await check(true, leakingPid)).code, 1);
	});

	it('exits 2 when the pid is never seen, or the duration is too short for a verdict', async () => {
		const missing = await check(false, 999_999);
		assert.equal(missing.code, 2);
		assert.match(missing.text, /no process with pid 999999 was seen/);
		const short = await check(true, undefined, 100);
		assert.equal(short.code, 2);
		assert.match(short.text, /a verdict needs at least 460ms of watching/);
	});

	it('the minimum duration is the minimum window plus confirmation, and at least 3 samples', () => {
		assert.equal(minimumCheckDurationMs(DEFAULT_THRESHOLDS, 2000), 46_000);
		assert.equal(minimumCheckDurationMs(DEFAULT_THRESHOLDS, 60_000), 180_000);
		assert.equal(minimumCheckDurationMs(scaleThresholds(DEFAULT_THRESHOLDS, 0.1), 200), 4600);
	});
});
