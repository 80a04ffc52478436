import {posix} from 'node:path';
import {cgroupDir, readCgroupAt, type CgroupHierarchy, type CgroupMemo, type CgroupSample} from './cgroup.js';
import {readMounts, type MountEntry} from './cgroupMounts.js';
import {parseKeyedCounters, parseLimitBytes} from './cgroupParse.js';
import type {Files} from './files.js';
import {fail, ok, type Result} from './result.js';

/** A line of /proc/PID/cgroup: `hierarchy-id:controllers:path` (v2's line is `0::path`). */
export interface PidCgroupLine {
	hierarchy: number;
	controllers: string[];
	path: string;
}

/** /proc/PID/cgroup → lines. The path may itself contain ':' and ends in " (deleted)" once removed. */
export function parsePidCgroup(text: string): PidCgroupLine[] {
	const lines: PidCgroupLine[] = [];
	for (const line of text.split('\n')) {
		const first = line.indexOf(':');
		const second = line.indexOf(':', first + 1);
		if (first <= 0 || second === -1) continue;
		const hierarchy = Number(line.slice(0, first));
		const path = line.slice(second + 1).replace(/ \(deleted\)$/, '');
		if (!Number.isSafeInteger(hierarchy) || !path.startsWith('/')) continue;
		lines.push({hierarchy, controllers: line.slice(first + 1, second).split(',').filter(Boolean), path});
	}
	return lines;
}

/**
 * The memory cgroup among a process's lines: the v1 line listing `memory`, else the v2 `0::` line.
 * With the hierarchy's version known the choice is exact (v1 without memory has no answer).
 */
export function memoryCgroupPath(lines: PidCgroupLine[], version?: 1 | 2 | null): string | null {
	const v1 = lines.find(line => line.controllers.includes('memory'));
	const v2 = lines.find(line => line.hierarchy === 0 && line.controllers.length === 0);
	if (version === 1) return v1?.path ?? null;
	if (version === 2) return v2?.path ?? null;
	if (version === null) return null;
	return v1?.path ?? v2?.path ?? null;
}

export type CgroupKind = 'root' | 'docker' | 'containerd' | 'crio' | 'podman' | 'lxc' | 'kubepods' | 'systemd' | 'other';

/** What a person calls a cgroup: a runtime and a short id or unit name. */
export interface CgroupName {
	kind: CgroupKind;
	/** `3f2a1b4c5d6e` for a container (12 hex, as docker ps), `pod1a2b3c4d/3f2a1b4c5d6e` on kubernetes, a unit name for systemd. */
	name: string;
}

const ID = '([0-9a-f]{64})';
const RUNTIME_PATTERNS: Array<[CgroupKind, RegExp]> = [
	['docker', new RegExp(`^docker-${ID}\\.scope$`)],
	['containerd', new RegExp(`^cri-containerd-${ID}\\.scope$`)],
	['crio', new RegExp(`^crio-(?:conmon-)?${ID}\\.scope$`)],
	['podman', new RegExp(`^libpod-(?:conmon-)?${ID}(?:\\.scope)?$`)],
];
const POD = /^(?:kubepods-(?:burstable-|besteffort-)?)?pod([0-9a-f_-]{8,})(?:\.slice)?$/;
const SYSTEMD_UNIT = /\.(service|scope|slice|socket|mount|swap)$/;

/** Names the cgroup at a path: docker/containerd/crio/podman ids shortened, kubepods pods, lxc, systemd units. */
export function containerName(path: string): CgroupName {
	const parts = path.split('/').filter(Boolean);
	if (parts.length === 0) return {kind: 'root', name: '/'};
	const pod = parts.map(part => POD.exec(part)?.[1]).find(Boolean)?.replaceAll('_', '').replaceAll('-', '').slice(0, 8);
	for (let i = parts.length - 1; i >= 0; i--) {
		const part = parts[i]!;
		for (const [kind, pattern] of RUNTIME_PATTERNS) {
			const id = pattern.exec(part)?.[1];
			if (id) return pod ? {kind: 'kubepods', name: `pod${pod}/${id.slice(0, 12)}`} : {kind, name: id.slice(0, 12)};
		}
		// cgroupfs drivers: /docker/<id>, /kubepods/burstable/pod<uid>/<id>, /libpod_parent/libpod-<id>
		if (/^[0-9a-f]{64}$/.test(part)) {
			if (pod) return {kind: 'kubepods', name: `pod${pod}/${part.slice(0, 12)}`};
			if (parts[i - 1] === 'docker') return {kind: 'docker', name: part.slice(0, 12)};
		}
		// LXC 4+: lxc.payload.NAME (also under a user's slice); older LXC: /lxc/NAME
		const lxc = /^lxc\.(?:payload|monitor)\.(.+)$/.exec(part)?.[1] ?? (part === 'lxc' ? parts[i + 1] : undefined);
		if (lxc) return {kind: 'lxc', name: lxc};
	}
	if (pod) return {kind: 'kubepods', name: `pod${pod}`};
	const last = parts.at(-1)!;
	return {kind: SYSTEMD_UNIT.test(last) ? 'systemd' : 'other', name: last};
}

/** A process's memory cgroup. */
export interface PidCgroup extends CgroupName {
	path: string;
}

/** The memory cgroup of a process (or of leaktop with 'self') from /proc/PID/cgroup. */
export function cgroupOfPid(files: Files, pid: number | 'self', hierarchy?: CgroupHierarchy): Result<PidCgroup> {
	const text = files.readText(files.proc(String(pid), 'cgroup'), 64 * 1024);
	if (!text.ok) return text;
	const path = memoryCgroupPath(parsePidCgroup(text.value), hierarchy?.version);
	return path === null ? fail('ENOENT', `no memory cgroup for ${pid}`) : ok({path, ...containerName(path)});
}

/** Whether leaktop runs inside a container or under lxcfs, and that container's own memory. */
export interface SelfContainer {
	inContainer: boolean;
	/** Container runtime, when the evidence names one. */
	kind: CgroupKind | null;
	/** Short container id or name, when known. */
	name: string | null;
	/** /proc files lxcfs serves (e.g. /proc/meminfo): what they show is the container's view, not the host's. */
	lxcfsFiles: string[];
	/** Why the answer is what it is, in words (shown in the header's detail). */
	evidence: string[];
	/** leaktop's own memory cgroup, read like any other (null when there is no memory hierarchy). */
	cgroup: CgroupSample | null;
	/** The smallest limit over that cgroup and its ancestors (v1: hierarchical_memory_limit); null = none. */
	effectiveLimitBytes: number | null;
}

const NOT_A_CONTAINER = new Set<CgroupKind>(['root', 'systemd', 'other']);
const CONTAINER_ID_IN_MOUNT = /\/(?:containers|overlay-containers)\/([0-9a-f]{64})\//;

/**
 * Looks only at files under the roots: /proc/1/environ `container=`, pid 1 or leaktop in a
 * runtime-named cgroup, a cgroup mount showing a subtree, /etc/hostname bind-mounted from a
 * runtime's container directory, and fuse.lxcfs mounts (/.dockerenv is outside the roots).
 * The answer does not change while leaktop runs: read it once at start, not every tick.
 */
export function selfContainer(files: Files, hierarchy: CgroupHierarchy | null, memo: CgroupMemo = {}): Result<SelfContainer> {
	const mounts = readMounts(files);
	if (!mounts.ok) return mounts;
	const evidence: string[] = [];
	let kind: CgroupKind | null = null;
	let name: string | null = null;
	const found = (why: string, runtime?: {kind: CgroupKind | null; name: string | null}) => {
		evidence.push(why);
		kind ??= runtime?.kind ?? null;
		name ??= runtime?.name ?? null;
	};

	const environ = files.readText(files.proc('1/environ'), 64 * 1024);
	const containerVariable = environ.ok ? environ.value.split('\0').find(entry => entry.startsWith('container=')) : undefined;
	if (containerVariable) found(`pid 1 has ${containerVariable}`, runtimeFromVariable(containerVariable.slice('container='.length)));

	// Any controller's line will do: a runtime puts the container in a same-named cgroup everywhere.
	for (const pid of ['1', 'self']) {
		const text = files.readText(files.proc(pid, 'cgroup'), 64 * 1024);
		const named = text.ok ? parsePidCgroup(text.value).map(line => ({path: line.path, ...containerName(line.path)})) : [];
		const inRuntime = named.find(cgroup => !NOT_A_CONTAINER.has(cgroup.kind));
		if (inRuntime) found(`${pid === '1' ? 'pid 1' : 'leaktop'} is in ${inRuntime.kind} cgroup ${inRuntime.path}`, inRuntime);
	}

	const subtree = mounts.value.find(mount => (mount.fsType === 'cgroup' || mount.fsType === 'cgroup2') && mount.root !== '/');
	if (subtree) found(`the cgroup mount ${subtree.mountPoint} shows only ${subtree.root}`, containerName(subtree.root));

	const hostname = mounts.value.find(mount => mount.mountPoint === '/etc/hostname');
	const bindId = hostname ? CONTAINER_ID_IN_MOUNT.exec(hostname.root)?.[1] : undefined;
	if (hostname && bindId) found(`/etc/hostname comes from ${hostname.root}`, {kind: hostname.root.includes('/docker/') ? 'docker' : 'podman', name: bindId.slice(0, 12)});

	const lxcfsFiles = lxcfsMounts(mounts.value);
	// A host never covers its own /proc/meminfo, so lxcfs there means a container (of any runtime).
	if (lxcfsFiles.length > 0) found(`lxcfs serves ${lxcfsFiles.join(', ')}`);

	const own = hierarchy && hierarchy.version !== null ? cgroupOfPid(files, 'self', hierarchy) : null;
	const sample = own?.ok && hierarchy ? readCgroupAt(files, hierarchy, own.value.path, memo) : null;
	return ok({
		inContainer: evidence.length > 0,
		kind,
		name,
		lxcfsFiles,
		evidence,
		cgroup: sample?.ok ? sample.value : null,
		effectiveLimitBytes: hierarchy && own?.ok ? effectiveLimit(files, hierarchy, own.value.path) : null,
	});
}

// systemd's convention; other values (oci, systemd-nspawn…) name no runtime this module knows.
function runtimeFromVariable(value: string): {kind: CgroupKind | null; name: null} {
	const kinds: Record<string, CgroupKind> = {docker: 'docker', podman: 'podman', lxc: 'lxc', 'lxc-libvirt': 'lxc'};
	return {kind: kinds[value] ?? null, name: null};
}

function lxcfsMounts(mounts: MountEntry[]): string[] {
	return mounts.filter(mount => mount.fsType === 'fuse.lxcfs' && (mount.mountPoint.startsWith('/proc/') || mount.mountPoint.startsWith('/sys/'))).map(mount => mount.mountPoint);
}

// Hierarchical limits: a child's own limit can be unlimited while a parent's binds it.
function effectiveLimit(files: Files, hierarchy: CgroupHierarchy, cgroupPath: string): number | null {
	if (hierarchy.version === 1) {
		const dir = cgroupDir(hierarchy, cgroupPath);
		const stat = dir ? files.readText(posix.join(dir, 'memory.stat'), 64 * 1024) : null;
		const limit = stat?.ok ? parseKeyedCounters(stat.value).hierarchical_memory_limit : undefined;
		if (limit === undefined) return null;
		const parsed = parseLimitBytes(String(limit));
		return parsed.ok ? parsed.value : null;
	}
	let smallest: number | null = null;
	for (let path = cgroupPath; ; path = posix.dirname(path)) {
		const dir = cgroupDir(hierarchy, path);
		if (dir === null) break;
		const max = files.readText(posix.join(dir, 'memory.max'));
		const parsed = max.ok ? parseLimitBytes(max.value) : null;
		if (parsed?.ok && parsed.value !== null) smallest = smallest === null ? parsed.value : Math.min(smallest, parsed.value);
		if (path === '/' || path === hierarchy.mountRoot) break;
	}
	return smallest;
}
