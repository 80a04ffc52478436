import {containerName} from '../../probe/cgroupContainer.js';
import {describeReason} from '../../probe/result.js';
import type {ProcessSample, Sample} from '../../probe/sample.js';
import type {CgroupRow} from '../../store/store.js';
import {formatBytes, formatDelta, formatRatePerMin} from '../../units.js';
import {fitMiddle} from '../text.js';
import {growthColumn, type Column} from './Table.js';

export type CgroupSort = 'usage' | 'growth';

/** A cgroup at this share of its limit is close to being reclaimed hard or OOM-killed. */
const NEAR_LIMIT_PCT = 90;
const MIN_PATH_WIDTH = 20;

/** Usage as a share of the limit; null when unlimited or unknown. */
export function limitPercent(sample: CgroupRow['sample']): number | null {
	if (sample.usageBytes === null || sample.limitBytes === null || sample.limitBytes <= 0) return null;
	return (sample.usageBytes * 100) / sample.limitBytes;
}

/** A limit as shown: "max" when unlimited, "n/a" when its file could not be read. */
function formatLimit(sample: CgroupRow['sample'], file: 'limit' | 'high'): string {
	const value = file === 'limit' ? sample.limitBytes : sample.highBytes;
	if (value !== null) return formatBytes(value);
	const names = file === 'limit' ? ['memory.max', 'memory.limit_in_bytes'] : ['memory.high'];
	return names.some(name => name in sample.unreadable) ? 'n/a' : 'max';
}

/**
 * The cgroup table's columns. Figures a kernel does not have (v1 has no memory.high, no slab lines)
 * get no column; narrow terminals drop the least telling ones first so PATH keeps some room.
 */
export function cgroupColumns(width: number, rows: CgroupRow[]): Column<CgroupRow>[] {
	const known = (value: (row: CgroupRow) => number | null) => rows.some(row => value(row) !== null);
	const core: Column<CgroupRow>[] = [
		{title: 'USAGE', width: 6, align: 'right', cell: r => formatBytes(r.sample.usageBytes)},
		{title: 'LIMIT', width: 6, align: 'right', cell: r => formatLimit(r.sample, 'limit')},
		{
			title: '%LIM',
			width: 4,
			align: 'right',
			cell: r => {
				const pct = limitPercent(r.sample);
				return pct === null ? '-' : String(Math.round(pct));
			},
			tone: r => ((limitPercent(r.sample) ?? 0) >= NEAR_LIMIT_PCT ? 'bad' : undefined),
		},
	];
	const optional: Array<{column: Column<CgroupRow>; shown: boolean}> = [
		{column: {title: 'ANON', width: 6, align: 'right', cell: r => formatBytes(r.sample.stat?.anonBytes)}, shown: true},
		{column: {title: 'FILE', width: 6, align: 'right', cell: r => formatBytes(r.sample.stat?.fileBytes)}, shown: true},
		{column: {title: 'OOM', width: 4, align: 'right', cell: r => (r.sample.events?.oomKill == null ? '-' : String(r.sample.events.oomKill)), tone: r => ((r.sample.events?.oomKill ?? 0) > 0 ? 'bad' : undefined)}, shown: true},
		{column: {title: 'PEAK', width: 6, align: 'right', cell: r => formatBytes(r.sample.peakBytes)}, shown: known(r => r.sample.peakBytes)},
		{column: {title: 'KERNEL', width: 6, align: 'right', cell: r => formatBytes(r.sample.stat?.kernelBytes)}, shown: known(r => r.sample.stat?.kernelBytes ?? null)},
		{column: {title: 'SLAB', width: 6, align: 'right', cell: r => formatBytes(r.sample.stat?.slabBytes)}, shown: known(r => r.sample.stat?.slabBytes ?? null)},
		{column: {title: 'HIGH', width: 6, align: 'right', cell: r => formatLimit(r.sample, 'high')}, shown: known(r => r.sample.highBytes)},
	];
	const trend: Column<CgroupRow>[] = [
		{title: 'Δ', width: 7, align: 'right', cell: r => formatDelta(r.usageDeltaBytes)},
		growthColumn(9, r => r.growthPerMin),
	];
	const used = (columns: Column<CgroupRow>[]) => columns.reduce((sum, c) => sum + (c.width ?? 0) + 1, 0);
	const chosen = [...core];
	for (const {column, shown} of optional) {
		if (shown && width - used([...chosen, column, ...trend]) >= MIN_PATH_WIDTH) chosen.push(column);
	}
	// The path is cut in the middle, keeping both the top and the container's own name.
	const pathWidth = Math.max(4, width - used([...chosen, ...trend]));
	return [{title: 'PATH', width: pathWidth, cell: r => fitMiddle(r.sample.path, pathWidth)}, ...chosen, ...trend];
}

/** Rows in the chosen order (the store gives largest usage first), filtered by path or container name. */
export function sortCgroups(rows: CgroupRow[], sort: CgroupSort, filter: string): CgroupRow[] {
	const needle = filter.toLowerCase();
	const shown = needle ? rows.filter(r => r.sample.path.toLowerCase().includes(needle) || containerName(r.sample.path).name.toLowerCase().includes(needle)) : rows;
	if (sort === 'usage') return shown;
	return [...shown].sort((a, b) => (b.growthPerMin ?? -Infinity) - (a.growthPerMin ?? -Infinity));
}

/** Why the cgroup table has no rows, in words. */
export function cgroupsEmptyText(sample: Sample | null, filtered: boolean): string {
	if (filtered) return 'no cgroup matches the filter';
	if (!sample) return 'no data yet';
	const reason = sample.sources.cgroups;
	if (sample.cgroups !== null && (reason === undefined || reason === 'ok')) return 'no memory cgroups';
	const note = sample.self?.cgroupNote;
	if (note) return `no memory cgroup controller: ${note}`;
	if (reason === undefined || reason === 'ok' || reason === 'ENOENT') return 'no memory cgroup controller';
	return `memory cgroups: ${describeReason(reason)}`;
}

/** Whether a process belongs to a cgroup or one below it (kernel threads live in the root). */
export function inCgroup(process: ProcessSample, path: string): boolean {
	const own = process.cgroup;
	if (own === null) return path === '/' && process.kernelThread;
	return path === '/' || own === path || own.startsWith(`${path}/`);
}

/** The cgroup's figures for the title of its process list, most telling first, wrapped into `lines` lines of `width`. */
export function cgroupFigures(row: CgroupRow, width: number, lines = 2): string[] {
	const s = row.sample;
	const pct = limitPercent(s);
	const parts = [`usage ${formatBytes(s.usageBytes)}`, `limit ${formatLimit(s, 'limit')}${pct === null ? '' : ` (${Math.round(pct)}%)`}`];
	parts.push(`growth ${formatRatePerMin(row.growthPerMin)}`, `Δ ${formatDelta(row.usageDeltaBytes)}`);
	if (s.events?.oomKill != null) parts.push(`oom kills ${s.events.oomKill}`);
	if (s.highBytes !== null) parts.push(`high ${formatBytes(s.highBytes)}`);
	if (s.peakBytes !== null) parts.push(`peak ${formatBytes(s.peakBytes)}`);
	if (s.stat) {
		parts.push(`anon ${formatBytes(s.stat.anonBytes)}`, `file ${formatBytes(s.stat.fileBytes)}`);
		if (s.stat.kernelBytes !== null) parts.push(`kernel ${formatBytes(s.stat.kernelBytes)}`);
		if (s.stat.slabBytes !== null) parts.push(`slab ${formatBytes(s.stat.slabBytes)}`);
	}
	if (s.pressure) parts.push(`psi some ${s.pressure.some.avg10.toFixed(2)}`);
	const out: string[] = [''];
	for (const part of parts) {
		const last = out.length - 1;
		if (out[last] === '' || out[last]!.length + 2 + part.length <= width || last === lines - 1) out[last] = out[last] ? `${out[last]}  ${part}` : part;
		else out.push(part);
	}
	return out;
}
