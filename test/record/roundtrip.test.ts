import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {forRecording} from '../../source/cli/record.js';
import type {Finding} from '../../source/diagnose/finding.js';
import {Diagnoser} from '../../source/diagnose/rules.js';
import {readRecording} from '../../source/record/source.js';
import {RecordingWriter} from '../../source/record/writer.js';
import {LiveSource} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {spawnLeaker} from '../helpers/processes.js';

/**
 * Record a live capture of a real leaking process, replay the file through a fresh store, and the
 * same verdicts come out. Ten times faster than life (Diagnoser timeScale 0.1, 0.2 s standing for
 * the default 2 s), as in the diagnose live tests.
 */
const TIME_SCALE = 0.1;
const INTERVAL_MS = 200;
const dir = mkdtempSync(join(tmpdir(), 'leaktop-roundtrip-'));
after(() => rmSync(dir, {recursive: true, force: true}));

function makeStore(source: ConstructorParameters<typeof Store>[0]['source'], diagnoser: Diagnoser): Store {
	const points = Math.ceil(diagnoser.thresholds.windowMs / INTERVAL_MS) + 10;
	return new Store({source, intervalMs: INTERVAL_MS, systemPoints: points, detailPoints: points, growthWindowMs: diagnoser.thresholds.windowMs, analyze: diagnoser.analyze});
}

const verdicts = (findings: Finding[]) => findings.map(f => `${f.rule} ${f.subject}`).sort();

test('a recording of a real leak replays into the same verdicts', async () => {
	const leaker = await spawnLeaker(2, 200);
	const file = join(dir, 'leak.ltr');
	const live = new LiveSource();
	const liveStore = makeStore(live, new Diagnoser({timeScale: TIME_SCALE}));
	const liveFindings: Finding[][] = [];
	let writer: RecordingWriter | undefined;
	try {
		for (let i = 0; i < 60; i++) {
			liveStore.tick();
			const snapshot = liveStore.current();
			if (!writer) {
				const opened = RecordingWriter.open(file, {writerVersion: 'test', host: {...snapshot.sample!.host, cgroupMode: snapshot.sample!.cgroupMode ?? 'none'}});
				assert.ok(opened.ok, opened.ok ? '' : opened.message);
				writer = opened.value;
			}
			assert.ok(writer.append(forRecording(snapshot.sample!, snapshot)).ok);
			liveFindings.push(snapshot.findings);
			await sleep(INTERVAL_MS);
		}
	} finally {
		writer?.close();
		live.close();
		await leaker.kill();
	}
	const recording = readRecording(file);
	assert.ok(recording.ok);
	assert.equal(recording.value.samples.length, 60);
	assert.equal(recording.value.stats.framesSkipped, 0);

	let pending: (typeof recording.value.samples)[number] | null = null;
	const replayStore = makeStore({kind: 'replay', next: () => pending, close() {}}, new Diagnoser({timeScale: TIME_SCALE}));
	const replayFindings: Finding[][] = [];
	for (const sample of recording.value.samples) {
		pending = sample;
		replayStore.tick();
		replayFindings.push(replayStore.current().findings);
	}

	const leak = (findings: Finding[]) => findings.some(f => f.rule === 'process-leak' && f.target?.kind === 'process' && f.target.pid === leaker.pid);
	assert.ok(leak(liveFindings.at(-1)!), `live names the leaker: ${verdicts(liveFindings.at(-1)!).join('; ')}`);
	assert.ok(leak(replayFindings.at(-1)!), `replay names the leaker: ${verdicts(replayFindings.at(-1)!).join('; ')}`);
	// The leaker's verdict appears at the same sample in both.
	assert.equal(replayFindings.findIndex(leak), liveFindings.findIndex(leak));
	assert.deepEqual(verdicts(replayFindings.at(-1)!), verdicts(liveFindings.at(-1)!));
});
