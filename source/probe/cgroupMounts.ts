import {dirname, join} from 'node:path';
import type {Files} from './files.js';
import {ok, type Result} from './result.js';

/** One mounted filesystem, from /proc/PID/mountinfo or /proc/mounts. */
export interface MountEntry {
	/** The directory of the filesystem shown at the mount point ('/' unless a subtree is bind-mounted). */
	root: string;
	/** Absolute path as the kernel prints it, in the mount namespace of the reading process. */
	mountPoint: string;
	fsType: string;
	source: string;
	/** Mount and superblock options together (a cgroup v1 mount lists its controllers here). */
	options: string[];
}

/** /proc/PID/mountinfo → mounts. Lines that do not have the `-` separator are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
	const mounts: MountEntry[] = [];
	for (const line of completeLines(text)) {
		// id parent major:minor root mountpoint options [optional…] - fstype source superoptions
		const fields = line.split(' ');
		const separator = fields.indexOf('-', 6);
		if (separator === -1 || fields.length < separator + 3) continue;
		mounts.push({
			root: unescapeOctal(fields[3]!),
			mountPoint: unescapeOctal(fields[4]!),
			fsType: fields[separator + 1]!,
			source: unescapeOctal(fields[separator + 2]!),
			options: [...fields[5]!.split(','), ...(fields[separator + 3] ?? '').split(',')].filter(Boolean),
		});
	}
	return mounts;
}

/** /proc/mounts (no root field: every mount is taken to show its filesystem's root). */
export function parseMounts(text: string): MountEntry[] {
	const mounts: MountEntry[] = [];
	for (const line of completeLines(text)) {
		const fields = line.split(' ');
		if (fields.length < 4) continue;
		mounts.push({
			root: '/',
			mountPoint: unescapeOctal(fields[1]!),
			fsType: fields[2]!,
			source: unescapeOctal(fields[0]!),
			options: fields[3]!.split(',').filter(Boolean),
		});
	}
	return mounts;
}

/**
 * Where a mount point of the host's namespace lives under the roots leaktop was given. Rule: a path
 * under /sys is taken under --sys-root (`/sys/fs/cgroup/memory` → files.sys('fs/cgroup/memory')),
 * a path under /proc under --proc-root, and anything else (old `/cgroup/memory` layouts) under the
 * parent of --sys-root, which is the host's `/` whenever --sys-root is `<host>/sys`.
 */
export function rootedMountPoint(files: Files, mountPoint: string): string {
	const under = (prefix: string) => mountPoint === prefix || mountPoint.startsWith(`${prefix}/`);
	if (under('/sys')) return files.sys(mountPoint.slice('/sys'.length));
	if (under('/proc')) return files.proc(mountPoint.slice('/proc'.length));
	return join(dirname(files.sysRoot), mountPoint);
}

/** Reads the mount table of leaktop's own namespace: mountinfo, else /proc/mounts (no roots). */
export function readMounts(files: Files): Result<MountEntry[]> {
	const mountinfo = files.readText(files.proc('self/mountinfo'));
	if (mountinfo.ok) return ok(parseMountinfo(mountinfo.value));
	const mounts = files.readText(files.proc('mounts'));
	return mounts.ok ? ok(parseMounts(mounts.value)) : mounts;
}

function completeLines(text: string): string[] {
	const lines = text.split('\n');
	if (!text.endsWith('\n')) lines.pop();
	return lines;
}

// The kernel escapes space, tab, newline and backslash in paths as \040 \011 \012 \134.
function unescapeOctal(value: string): string {
	return value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
