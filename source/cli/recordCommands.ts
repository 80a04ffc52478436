import {writeFileSync} from 'node:fs';
import {RecordingSource} from '../record/source.js';
import {buildReport} from '../report/report.js';
import {availableSvg} from '../report/svg.js';
import {reportText} from '../report/text.js';
import {cgroupLimits} from '../diagnose/cgroupLimits.js';
import {Diagnoser} from '../diagnose/rules.js';
import {ReplayController, ReplayFeed} from '../source/replay.js';
import {Store} from '../store/store.js';
import {formatBytes} from '../units.js';
import {liveStore, type CommonOptions} from './options.js';
import {openRecorder, RecordError, recordEveryTick} from './record.js';

export interface RecordOptions extends CommonOptions {
	file: string;
	durationMs: number;
	maxSizeBytes?: number;
	version: string;
}

/** `leaktop record FILE`: samples to a file until the duration, SIGTERM or Ctrl-C; 0 on a clean finish. */
export async function runRecord(options: RecordOptions, signal: AbortSignal): Promise<number> {
	// No verdicts while recording: report and replay compute them from the data.
	const {store, source} = liveStore(options, () => []);
	store.tick();
	let writer;
	try {
		writer = openRecorder(options.file, store.current().sample!, options.maxSizeBytes, options.version);
	} catch (error) {
		source.close();
		if (error instanceof RecordError) {
			process.stderr.write(`leaktop record: ${error.message}\n`);
			return 1;
		}
		throw error;
	}
	let failure: string | null = null;
	const done = new Promise<void>(resolve => {
		signal.addEventListener('abort', () => resolve());
		if (Number.isFinite(options.durationMs)) setTimeout(resolve, options.durationMs).unref();
		const stopOnFailure = recordEveryTick(store, writer, message => {
			failure = message;
			resolve();
		});
		signal.addEventListener('abort', stopOnFailure);
	});
	writer.append(store.current().sample!);
	process.stderr.write(`leaktop: recording to ${options.file} every ${options.intervalMs / 1000}s${Number.isFinite(options.durationMs) ? ` for ${options.durationMs / 1000}s` : ''} (Ctrl-C or SIGTERM to stop)\n`);
	store.start(options.intervalMs);
	await done;
	store.stop();
	source.close();
	const closed = writer.close();
	const stats = writer.stats;
	process.stderr.write(`leaktop: ${stats.samplesWritten} samples, ${formatBytes(stats.bytesWritten)} written to ${options.file}${stats.rotations ? `, ${stats.rotations} rotations` : ''}\n`);
	if (failure) {
		process.stderr.write(`leaktop: ${failure}\n`);
		return 1;
	}
	if (!closed.ok) {
		process.stderr.write(`leaktop: ${closed.message}\n`);
		return 1;
	}
	return 0;
}

/** What a reader met in a recording, in words: "3 frames skipped", "last frame torn". */
export function recordingNotes(source: RecordingSource): string[] {
	const notes: string[] = [];
	if (source.stats.framesSkipped > 0) notes.push(`${source.stats.framesSkipped} damaged frame${source.stats.framesSkipped === 1 ? '' : 's'} skipped`);
	if (source.stats.tornTail) notes.push('the last frame was cut short (recorder killed mid-write) and is ignored');
	if (source.stats.segmentsUnreadable > 0) notes.push(`${source.stats.segmentsUnreadable} segment file(s) unreadable`);
	if (source.stats.framesUnknown > 0) notes.push(`${source.stats.framesUnknown} frames of a newer kind ignored`);
	return notes;
}

/** `leaktop replay FILE`: the live view fed from the recording; 1 when the file cannot be read. */
export async function runReplay(file: string, color: boolean): Promise<number> {
	const opened = RecordingSource.open(file);
	if (!opened.ok) {
		process.stderr.write(`leaktop replay: ${opened.message}\n`);
		return 1;
	}
	if (opened.value.length === 0) {
		opened.value.close();
		process.stderr.write(`leaktop replay: ${file} holds no samples\n`);
		return 1;
	}
	const feed = new ReplayFeed();
	const freshAnalyze = () => new Diagnoser({limits: cgroupLimits}).analyze;
	const store = new Store({source: feed, analyze: freshAnalyze()});
	const replay = new ReplayController(opened.value, feed, store, freshAnalyze, recordingNotes(opened.value));
	const {runFullScreen} = await import('../ui/run.js');
	return runFullScreen({store, color, replay});
}

/** `leaktop report FILE`: 0 with a report, 1 when the file cannot be read. */
export function runReport(options: {file: string; json: boolean; svg?: string}, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
	const opened = RecordingSource.open(options.file);
	if (!opened.ok) {
		err.write(`leaktop report: ${opened.message}\n`);
		return 1;
	}
	const source = opened.value;
	try {
		const report = buildReport(source.samples(), recordingNotes(source));
		if (!report) {
			err.write(`leaktop report: ${options.file} holds no samples\n`);
			return 1;
		}
		out.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
		if (options.svg) {
			writeFileSync(options.svg, availableSvg(report));
			err.write(`leaktop report: timeline written to ${options.svg}\n`);
		}
		return 0;
	} finally {
		source.close();
	}
}
