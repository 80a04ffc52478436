import {RecordingWriter} from '../record/writer.js';
import type {Sample} from '../probe/sample.js';
import type {Snapshot, Store} from '../store/store.js';
import {formatBytes} from '../units.js';

const KEEP_LARGEST = 60;
const KEEP_GROWING = 20;

/**
 * What a recording keeps of a sample: every system file's values and all slab caches, but of the
 * processes only those a postmortem asks about — the largest, the fastest growing, and the ones
 * read in detail (selected, drilled) — so an hour at 1 s stays small.
 */
export function forRecording(sample: Sample, snapshot: Snapshot): Sample {
	if (sample.processes.length <= KEEP_LARGEST) return sample;
	const keep = new Set<number>();
	for (const row of snapshot.processes.slice(0, KEEP_LARGEST)) keep.add(row.sample.pid);
	const growing = snapshot.processes.filter(row => (row.rssGrowthPerMin ?? 0) > 0).sort((a, b) => b.rssGrowthPerMin! - a.rssGrowthPerMin!);
	for (const row of growing.slice(0, KEEP_GROWING)) keep.add(row.sample.pid);
	return {...sample, processes: sample.processes.filter(p => keep.has(p.pid) || p.fdCount !== null)};
}

/** Opens FILE for appending samples from a live store; the header carries the host facts. */
export function openRecorder(path: string, sample: Sample, maxSizeBytes: number | undefined, version: string): RecordingWriter {
	const opened = RecordingWriter.open(path, {
		writerVersion: version,
		maxSizeBytes,
		host: {
			hostname: sample.host.hostname,
			kernel: sample.host.kernel,
			pageSize: sample.host.pageSize,
			bootId: sample.host.bootId,
			cpuCount: sample.host.cpuCount,
			cgroupMode: sample.cgroupMode ?? 'none',
		},
	});
	if (!opened.ok) throw new RecordError(opened.message);
	return opened.value;
}

/** A recording problem the user must hear about (locked, newer format, disk full). */
export class RecordError extends Error {}

/** Appends the store's newest sample on every tick; stops the recording (not the view) on failure. */
export function recordEveryTick(store: Store, writer: RecordingWriter, onStop: (message: string) => void): () => void {
	let stopped = false;
	return store.subscribe(() => {
		if (stopped) return;
		const snapshot = store.current();
		if (!snapshot.sample) return;
		const appended = writer.append(forRecording(snapshot.sample, snapshot));
		if (!appended.ok) {
			stopped = true;
			onStop(`recording stopped: ${appended.message}; what was written stays readable (${formatBytes(writer.stats.bytesWritten)})`);
		}
	});
}
