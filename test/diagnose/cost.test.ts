import assert from 'node:assert/strict';
import {performance} from 'node:perf_hooks';
import {it} from 'node:test';
import {Diagnoser} from '../../source/diagnose/rules.js';
import {Store} from '../../source/store/store.js';
import {MiB, noise, ScriptedSource, timeline} from './timeline.js';

it('a 5000-process box: only the fastest growers get a robust trend each tick (cost measured, reported)', t => {
	const jitter = noise(5);
	const pids = Array.from({length: 5000}, (_, i) => 10_000 + i);
	const samples = timeline(5 * 60_000, 2000, tMs => ({
		processes: pids.map(pid => ({
			pid,
			comm: `worker${pid}`,
			// Every process wobbles by a few pages; every 50th creeps up a little; pid 10000 leaks 4 MiB/min.
			rssBytes: 20 * MiB + Math.round(jitter() * 3) * 4096 + (pid % 50 === 0 ? Math.floor(tMs / 6000) * 4096 : 0) + (pid === 10_000 ? Math.floor((tMs / 60_000) * 4 * MiB / 4096) * 4096 : 0),
		})),
	}));
	const diagnoser = new Diagnoser();
	let seriesCalls = 0;
	let maxCallsPerTick = 0;
	let analyzeMs = 0;
	let worstMs = 0;
	const store = new Store({
		source: new ScriptedSource(samples),
		analyze: (s, snapshot) => {
			const before = seriesCalls;
			const started = performance.now();
			const findings = diagnoser.analyze(s, snapshot);
			const spent = performance.now() - started;
			analyzeMs += spent;
			worstMs = Math.max(worstMs, spent);
			maxCallsPerTick = Math.max(maxCallsPerTick, seriesCalls - before);
			return findings;
		},
	});
	const processSeries = store.processSeries.bind(store);
	store.processSeries = key => {
		seriesCalls++;
		return processSeries(key);
	};
	while (store.tick());
	t.diagnostic(`analyze: mean ${(analyzeMs / samples.length).toFixed(2)} ms, worst ${worstMs.toFixed(2)} ms per tick over ${samples.length} ticks of 5073 processes; at most ${maxCallsPerTick} process histories read per tick`);
	assert.ok(maxCallsPerTick <= 2 * diagnoser.thresholds.process.maxCandidates + 2, `${maxCallsPerTick} histories read in one tick`);
	const leaks = store.current().findings.filter(f => f.rule === 'process-leak');
	assert.deepEqual(leaks.map(f => f.evidence.pid), [10_000]);
});
