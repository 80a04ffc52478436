import type {ProcessRow} from '../../store/store.js';
import {formatBytes, formatDelta} from '../../units.js';
import {sparkline} from '../sparkline.js';
import {fitMiddle} from '../text.js';
import type {Theme} from '../theme.js';
import {growthColumn, type Column} from './Table.js';

export type ProcessSort = 'rss' | 'pss' | 'growth';

/** Terminals this wide show the CGROUP column without being asked. */
export const CGROUP_COLUMN_MIN_WIDTH = 140;

/** The process table's columns: what `ps`/`top` show, plus the growth leak hunters need. */
export function processColumns(theme: Theme, showCommand: boolean, width: number, showCgroup = false): Column<ProcessRow>[] {
	const columns: Column<ProcessRow>[] = [
		{title: 'PID', width: 7, align: 'right', cell: r => String(r.sample.pid)},
		{title: 'USER', width: 6, cell: r => r.sample.user},
		{title: 'RSS', width: 5, align: 'right', cell: r => formatBytes(r.sample.rssBytes)},
		{title: 'PSS', width: 5, align: 'right', cell: r => formatBytes(r.sample.pssBytes)},
		{title: 'ANON', width: 5, align: 'right', cell: r => formatBytes(r.sample.anonBytes)},
		{title: 'SWAP', width: 5, align: 'right', cell: r => formatBytes(r.sample.swapBytes)},
		{title: 'Δ', width: 6, align: 'right', cell: r => formatDelta(r.rssDeltaBytes)},
		growthColumn(8, r => r.rssGrowthPerMin),
	];
	columns.push({title: 'HISTORY', width: width >= 100 ? 16 : 6, glyphs: true, cell: r => sparkline(r.rssHistory, width >= 100 ? 16 : 6, theme.sparkChars)});
	if (showCgroup) {
		const cgroupWidth = width >= CGROUP_COLUMN_MIN_WIDTH ? 24 : 14;
		// A container's short id or a unit name; the path's tail when the name says nothing more.
		columns.push({title: 'CGROUP', width: cgroupWidth, cell: r => fitMiddle(r.sample.container ?? r.sample.cgroup ?? '-', cgroupWidth)});
	}
	columns.push({title: 'COMMAND', cell: r => (showCommand && r.sample.cmdline ? r.sample.cmdline : r.sample.kernelThread ? `[${r.sample.comm}]` : r.sample.state === 'Z' ? `[${r.sample.comm}] <defunct>` : r.sample.comm)});
	return columns;
}

/** Rows in the chosen order, filtered by name or command line. */
export function sortProcesses(rows: ProcessRow[], sort: ProcessSort, filter: string): ProcessRow[] {
	const needle = filter.toLowerCase();
	const shown = needle ? rows.filter(r => r.sample.comm.toLowerCase().includes(needle) || r.sample.cmdline.toLowerCase().includes(needle) || String(r.sample.pid) === needle) : rows;
	if (sort === 'rss') return shown;
	const key = sort === 'pss' ? (r: ProcessRow) => r.sample.pssBytes ?? -1 : (r: ProcessRow) => r.rssGrowthPerMin ?? -Infinity;
	return [...shown].sort((a, b) => key(b) - key(a));
}

