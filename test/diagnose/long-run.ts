/**
 * The real-time checks of the quality bar, too long for the suite; run by hand and report:
 *   node --import tsx test/diagnose/long-run.ts idle 600      # 10 minutes watching the machine
 *   node --import tsx test/diagnose/long-run.ts leak 180 1    # a 1 MiB/min leaker for 3 minutes
 * Default thresholds, the default 2 s interval, the real LiveSource. Prints each finding when it
 * first appears, with the time since the start.
 */
import {setTimeout as sleep} from 'node:timers/promises';
import {Diagnoser} from '../../source/diagnose/rules.js';
import {formatFinding} from '../../source/diagnose/text.js';
import {LiveSource} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {leaker, type Child} from '../helpers/children.js';

const [mode = 'idle', secondsText = '600', mibPerMinText = '1'] = process.argv.slice(2);
const INTERVAL_MS = 2000;
const diagnoser = new Diagnoser();
const source = new LiveSource();
const store = new Store({source, intervalMs: INTERVAL_MS, analyze: diagnoser.analyze});
let child: Child | null = null;
if (mode === 'leak') {
	// One step a second, as a request handler leaking a little per request would.
	child = await leaker(Math.round((Number(mibPerMinText) * 1024 * 1024) / 60), 1000);
	console.log(`leaker pid ${child.pid} at ${mibPerMinText} MiB/min`);
}
const started = performance.now();
const seen = new Set<string>();
let costMs = 0;
let ticks = 0;
try {
	while (performance.now() - started < Number(secondsText) * 1000) {
		const t0 = performance.now();
		store.tick();
		costMs += performance.now() - t0;
		ticks++;
		for (const finding of store.current().findings) {
			const key = `${finding.rule}|${finding.subject}`;
			if (seen.has(key)) continue;
			seen.add(key);
			console.log(`+${((performance.now() - started) / 1000).toFixed(1)}s ${formatFinding(finding)}`);
		}
		await sleep(INTERVAL_MS);
	}
} finally {
	await child?.kill();
	source.close();
}
console.log(`done: ${ticks} ticks, ${seen.size} distinct findings, mean tick (sample + store + rules) ${(costMs / ticks).toFixed(1)} ms; ${store.current().processes.length} processes`);
