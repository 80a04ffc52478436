import type {Files} from './files.js';
import type {HostFacts} from './sample.js';

/** Facts about the machine that do not change while leaktop runs (uptime aside). */
export function readHostFacts(files: Files): HostFacts {
	const text = (path: string) => {
		const result = files.readText(files.proc(path), 65536);
		return result.ok ? result.value.trim() : '';
	};
	const stat = text('stat');
	const cpuCount = stat.split('\n').filter(line => /^cpu\d+ /.test(line)).length;
	return {
		hostname: text('sys/kernel/hostname') || 'unknown',
		kernel: text('sys/kernel/osrelease') || 'unknown',
		pageSize: readPageSize(files),
		cpuCount: Math.max(1, cpuCount),
		bootId: text('sys/kernel/random/boot_id'),
		uptimeSec: readUptime(files),
	};
}

/** /proc/uptime's first field, in seconds. */
export function readUptime(files: Files): number | null {
	const result = files.readText(files.proc('uptime'), 256);
	return result.ok ? parseUptime(result.value) : null;
}

/** `350.12 690.33` → 350.12: /proc/uptime's first field, in seconds. */
export function parseUptime(text: string): number | null {
	const value = Number.parseFloat(text);
	return Number.isFinite(value) ? value : null;
}

/** Node has no getpagesize(); the kernel states it per mapping in smaps. */
function readPageSize(files: Files): number {
	// The first mapping says it: reading only the start of smaps spares the kernel formatting all of
	// leaktop's ~100 mappings (~7 ms of the first frame).
	const head = files.readText(files.proc('self/smaps'), 4096);
	const kib = head.ok ? Number.parseInt(/^KernelPageSize:\s*(\d+)/m.exec(head.value)?.[1] ?? '', 10) : Number.NaN;
	return kib > 0 ? kib * 1024 : 4096;
}
