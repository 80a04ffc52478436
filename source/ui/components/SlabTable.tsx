import type {SlabRow} from '../../store/store.js';
import {formatBytes, formatDelta} from '../../units.js';
import {growthColumn, type Column} from './Table.js';

export type SlabSort = 'size' | 'growth' | 'objs';

/** slabtop's columns plus change since start and growth per minute. */
export function slabColumns(): Column<SlabRow>[] {
	return [
		{title: 'NAME', cell: r => (r.sample.aliases.length > 0 ? `${r.sample.name} +${r.sample.aliases.length}` : r.sample.name)},
		{title: 'OBJS', width: 9, align: 'right', cell: r => String(r.sample.numObjs)},
		{title: 'ACTIVE', width: 9, align: 'right', cell: r => String(r.sample.activeObjs)},
		{title: 'OBJ SIZE', width: 8, align: 'right', cell: r => `${r.sample.objSize}B`},
		{title: 'SIZE', width: 7, align: 'right', cell: r => formatBytes(r.sample.sizeBytes)},
		{title: 'Δ', width: 7, align: 'right', cell: r => formatDelta(r.sizeDeltaBytes)},
		growthColumn(11, r => r.growthPerMin, 256 * 1024),
		{title: 'R', width: 1, cell: r => (r.sample.reclaimable === null ? '?' : r.sample.reclaimable ? 'r' : 'u')},
	];
}

/** Rows in the chosen order, filtered by cache name (or an alias). */
export function sortSlabs(rows: SlabRow[], sort: SlabSort, filter: string): SlabRow[] {
	const needle = filter.toLowerCase();
	const shown = needle ? rows.filter(r => r.sample.name.toLowerCase().includes(needle) || r.sample.aliases.some(a => a.toLowerCase().includes(needle))) : rows;
	if (sort === 'size') return shown;
	const key = sort === 'objs' ? (r: SlabRow) => r.sample.numObjs : (r: SlabRow) => r.growthPerMin ?? -Infinity;
	return [...shown].sort((a, b) => key(b) - key(a));
}
