/**
 * How big a recording gets: records synthetic samples (300 processes, 400 slab caches, 1 s apart)
 * and prints the file size and what an hour costs. Not a test (it takes a minute):
 *   node --import tsx test/record/measureSize.ts [samples=3600] [processChurn=0.1]
 * processChurn is the share of processes whose RSS changes each second; slab churn is twice that.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {readRecording} from '../../source/record/source.js';
import {RecordingWriter} from '../../source/record/writer.js';
import {syntheticHeader, syntheticSamples} from './synthetic.js';

const count = Number(process.argv[2] ?? 3600);
const processChurn = Number(process.argv[3] ?? 0.1);
const directory = mkdtempSync(join(tmpdir(), 'leaktop-size-'));
try {
	const path = join(directory, 'hour.ltrec');
	const writer = RecordingWriter.open(path, {host: syntheticHeader, writerVersion: 'measure'});
	if (!writer.ok) throw new Error(writer.message);
	let written = 0;
	let sampleJsonBytes = 0;
	for (const sample of syntheticSamples({processChurn, slabChurn: processChurn * 2})) {
		if (written === count) break;
		sampleJsonBytes += JSON.stringify(sample).length;
		const result = writer.value.append(sample);
		if (!result.ok) throw new Error(result.message);
		written++;
	}
	writer.value.close();
	const bytes = statSync(path).size;
	const started = performance.now();
	const recording = readRecording(path);
	const readMs = performance.now() - started;
	if (!recording.ok || recording.value.samples.length !== count) throw new Error('the recording does not read back');
	console.log(
		`${count} samples, process churn ${processChurn}/s: ${(bytes / 1e6).toFixed(2)} MB ` +
			`(${Math.round(bytes / count)} B per sample, ${writer.value.stats.keyFrames} key frames; ` +
			`JSON would be ${(sampleJsonBytes / 1e6).toFixed(0)} MB) → ${((bytes / count) * 3600 / 1e6).toFixed(1)} MB per hour at 1 s; ` +
			`read back in ${(readMs / 1000).toFixed(1)} s`,
	);
} finally {
	rmSync(directory, {recursive: true, force: true});
}
