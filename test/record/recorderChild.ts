/**
 * A real recorder process for the crash and lock tests:
 *   recorderChild.ts FILE START [hold]
 * appends synthetic samples START, START+1, … as fast as it can (printing "ready" after the first),
 * or with "hold" opens the file, prints "ready" and waits to be killed.
 */
import {RecordingWriter} from '../../source/record/writer.js';
import {smallSamples, syntheticHeader} from './synthetic.js';

const [path, startText, mode] = process.argv.slice(2);
const opened = RecordingWriter.open(path!, {host: syntheticHeader, writerVersion: 'test', syncEveryFrames: 1});
if (!opened.ok) {
	process.stdout.write(`refused ${opened.reason}: ${opened.message}\n`);
	process.exit(2);
}
if (mode === 'hold') {
	process.stdout.write('ready\n');
	setInterval(() => {}, 1000);
} else {
	let index = 0;
	const start = Number(startText);
	for (const sample of smallSamples()) {
		if (index++ < start) continue;
		const result = opened.value.append(sample);
		if (!result.ok) {
			process.stdout.write(`failed ${result.message}\n`);
			process.exit(3);
		}
		if (index === start + 1) process.stdout.write('ready\n');
	}
}
