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
	const value = result.ok ? Number.parseFloat(result.value) : Number.NaN;
	return Number.isFinite(value) ? value : null;
}

/** Node has no getpagesize(); the kernel states it per mapping in smaps. */
function readPageSize(files: Files): number {
	let pageSize = 4096;
	let found = false;
	files.forEachLine(files.proc('self/smaps'), line => {
		if (found || !line.startsWith('KernelPageSize:')) return;
		found = true;
		const kib = Number.parseInt(line.slice(15), 10);
		if (kib > 0) pageSize = kib * 1024;
	});
	return pageSize;
}
