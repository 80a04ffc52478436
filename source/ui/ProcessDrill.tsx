import {Box} from 'ink';
import {Text} from './components/Text.js';
import {useState, type RefObject} from 'react';
import type {Sample} from '../probe/sample.js';
import type {DrillMetric, MappingRow, ProcessDrillSnapshot} from '../store/drill.js';
import {formatBytes, formatClock, formatDelta, formatDuration, formatRatePerMin} from '../units.js';
import {scrollOffset, Table, type Column} from './components/Table.js';
import {ToneLines, type ToneLine} from './components/ToneLines.js';
import type {Action} from './keys.js';
import {sparkline} from './sparkline.js';
import {fit, fitMiddle} from './text.js';
import {useTheme} from './ThemeContext.js';

export type MappingSort = 'growth' | 'rss' | 'anon' | 'change' | 'address';

const SORT_NAMES: Record<MappingSort, string> = {growth: 'ANON GROWTH', rss: 'RSS', anon: 'ANON', change: 'RSS CHANGE', address: 'ADDRESS'};
const SORT_ACTIONS: Partial<Record<Action, MappingSort>> = {sortGrowth: 'growth', sortRss: 'rss', sortAnon: 'anon', sortChange: 'change', sortAddress: 'address'};

/** A drill view's answer to a key: true when it handled the action. */
export type DrillActionHandler = (action: Action) => boolean;

export interface ProcessDrillProps {
	drill: ProcessDrillSnapshot;
	sample: Sample | null;
	width: number;
	height: number;
	filter: string;
	actionRef: RefObject<DrillActionHandler | null>;
}

/** Mappings in the chosen order; the store's order (anonymous growth) is the default. */
export function sortMappings(rows: readonly MappingRow[], sort: MappingSort, filter: string): MappingRow[] {
	const needle = filter.toLowerCase();
	const shown = needle ? rows.filter(r => `${r.mapping.path} ${r.mapping.kind} ${r.mapping.start}`.toLowerCase().includes(needle)) : [...rows];
	if (sort === 'growth') return shown;
	const by: Record<Exclude<MappingSort, 'growth'>, (a: MappingRow, b: MappingRow) => number> = {
		rss: (a, b) => b.mapping.rssBytes - a.mapping.rssBytes,
		anon: (a, b) => b.mapping.anonymousBytes - a.mapping.anonymousBytes,
		change: (a, b) => b.rssDeltaBytes - a.rssDeltaBytes,
		// Hex strings of unequal length compare by length first.
		address: (a, b) => a.mapping.start.length - b.mapping.start.length || (a.mapping.start < b.mapping.start ? -1 : 1),
	};
	return shown.sort(by[sort]);
}

/** What a mapping is, as pmap -x names it. */
function what(row: MappingRow): string {
	const {path, kind} = row.mapping;
	if (path) return path;
	return kind === 'shmem' ? '[ shmem ]' : '[ anon ]';
}

const kib = (bytes: number) => String(Math.round(bytes / 1024));

function mappingColumns(width: number): Column<MappingRow>[] {
	const wide = width >= 110;
	const columns: Column<MappingRow>[] = [
		{title: 'ADDRESS', width: 12, cell: r => r.mapping.start},
		{title: 'PERM', width: 4, cell: r => r.mapping.perms},
	];
	if (wide) columns.push({title: 'SIZE', width: 7, align: 'right', cell: r => formatBytes(r.mapping.sizeBytes)});
	columns.push({title: 'RSS', width: 6, align: 'right', cell: r => formatBytes(r.mapping.rssBytes)});
	if (wide) columns.push({title: 'PSS', width: 6, align: 'right', cell: r => formatBytes(r.mapping.pssBytes)});
	columns.push(
		{title: 'ANON', width: 6, align: 'right', cell: r => formatBytes(r.mapping.anonymousBytes)},
		{title: 'SWAP', width: 5, align: 'right', cell: r => formatBytes(r.mapping.swapBytes)},
		{
			title: 'ΔANON',
			width: 7,
			align: 'right',
			cell: r => formatDelta(r.anonDeltaBytes),
			tone: r => (r.anonDeltaBytes > 0 ? 'warn' : undefined),
		},
		{
			title: 'ANON/MIN',
			width: 9,
			align: 'right',
			cell: r => (r.anonGrowthPerMin === null ? 'n/a' : `${r.anonGrowthPerMin > 0 ? '+' : ''}${formatBytes(r.anonGrowthPerMin)}`),
			tone: r => ((r.anonGrowthPerMin ?? 0) > 0 ? 'bad' : undefined),
		},
		{title: '', width: 4, cell: r => (r.status === 'kept' ? '' : r.status), tone: r => (r.status === 'gone' ? 'muted' : r.status === 'new' ? 'warn' : undefined)},
	);
	// As Table sizes its one flexible column: every column's width plus a separator.
	const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0) + 1, 0) + 1;
	const flex = Math.max(4, width - fixed);
	columns.push({title: 'MAPPING', cell: r => fitMiddle(what(r), flex)});
	return columns;
}


function metricText(label: string, metric: DrillMetric, chars: string, sparkWidth: number): string {
	const spark = sparkWidth > 0 ? ` ${sparkline(metric.history, sparkWidth, chars)}` : '';
	return `${label} ${formatBytes(metric.value)} ${formatRatePerMin(metric.growthPerMin)}${spark}`;
}

/** `pmap -x` over time for one process: summary, every mapping with its change and growth, totals. */
export function ProcessDrill({drill, sample, width, height, filter, actionRef}: ProcessDrillProps) {
	const theme = useTheme();
	const [sort, setSort] = useState<MappingSort>('growth');
	const [selection, setSelection] = useState({key: null as string | null, index: 0, offset: 0});
	const rows = sortMappings(drill.mappings, sort, filter);
	const p = drill.process;

	const lines: ToneLine[] = [];
	const identity = p ? `pid ${drill.pid}  ${p.user}  ${p.cmdline || `[${p.comm}]`}` : `pid ${drill.pid}`;
	lines.push({text: identity});
	const nowMs = drill.exitedAtMs ?? sample?.timeMs ?? drill.openedMs;
	const bootSec = sample?.stat?.bootTimeSec;
	const started = p && bootSec ? `started ${formatStart(bootSec * 1000 + (p.startTime / 100) * 1000, nowMs)}  ` : '';
	const state = drill.exitedAtMs !== null ? `exited at ${formatClock(drill.exitedAtMs)}` : `open ${formatDuration((nowMs - drill.openedMs) / 1000)}`;
	lines.push({text: `${started}${state}`, tone: drill.exitedAtMs !== null ? 'bad' : undefined});
	if (drill.notFound && !p) {
		lines.push({text: `no process ${drill.pid} (exited, or not visible to this user)`, tone: 'warn'});
	} else {
		const spark = Math.max(0, Math.min(30, Math.floor((width - 2) / 2) - 24));
		const half = Math.floor(width / 2);
		lines.push({text: fit(metricText('RSS ', drill.rss, theme.sparkChars, spark), half) + metricText('PSS ', drill.pss, theme.sparkChars, spark)});
		lines.push({text: fit(metricText('anon', drill.anon, theme.sparkChars, spark), half) + metricText('USS ', drill.uss, theme.sparkChars, spark)});
		const fds = drill.fds.value === null ? 'n/a' : `${drill.fds.value} ${drill.fds.growthPerMin === null ? '' : `${drill.fds.growthPerMin >= 0 ? '+' : ''}${drill.fds.growthPerMin.toFixed(1)}/min`}`;
		lines.push({text: `swap ${formatBytes(drill.swap.value)} ${formatRatePerMin(drill.swap.growthPerMin)}  threads ${p?.threads ?? 'n/a'}  fds ${fds}`, tone: (drill.fds.growthPerMin ?? 0) > 0 ? 'warn' : undefined});
	}
	if (drill.smapsProblem) lines.push({text: drill.smapsProblem, tone: 'warn'});
	else if (drill.warning) lines.push({text: drill.warning, tone: 'warn'});
	else if (drill.readMs !== null) lines.push({text: `smaps read in ${drill.readMs.toFixed(1)} ms, ${drill.readings} readings since opened`, tone: 'muted'});
	else if (!drill.notFound) lines.push({text: 'waiting for the first smaps reading…', tone: 'muted'});

	const news = drill.mappings.filter(r => r.status === 'new').length;
	const gone = drill.mappings.filter(r => r.status === 'gone').length;
	const title = `Mappings ${rows.length}/${drill.mappings.length} (${news} new, ${gone} gone)  sort: ${SORT_NAMES[sort]}${filter ? `  filter: ${filter}` : ''}`;
	// Summary lines, the title, the table's header, the totals line.
	const tableHeight = Math.max(1, height - lines.length - 3);
	const index = rows.length === 0 ? 0 : Math.max(0, Math.min(rows.length - 1, selection.key === null ? selection.index : rows.findIndex(r => r.key === selection.key) >= 0 ? rows.findIndex(r => r.key === selection.key) : selection.index));
	const offset = scrollOffset(index, selection.offset, tableHeight, rows.length);

	actionRef.current = action => {
		const sortTo = SORT_ACTIONS[action];
		if (sortTo) {
			setSort(sortTo);
			return true;
		}
		const step = {up: -1, down: 1, pageUp: -tableHeight, pageDown: tableHeight, home: -Infinity, end: Infinity}[action as 'up'];
		if (step === undefined) return false;
		const next = Math.max(0, Math.min(rows.length - 1, index + step));
		setSelection({key: rows[next]?.key ?? null, index: next, offset: scrollOffset(next, offset, tableHeight, rows.length)});
		return true;
	};

	const t = drill.totals;
	// The numbers of pmap -x's last line (kB), so the two can be compared by eye.
	const totals = t
		? `total kB  size ${kib(t.sizeBytes)}  RSS ${kib(t.rssBytes)}  dirty ${kib(t.dirtyBytes)}  anon ${kib(t.anonymousBytes)}  swap ${kib(t.swapBytes)}  (Δ RSS ${formatDelta(t.rssBytes - (drill.totalsAtOpen?.rssBytes ?? t.rssBytes))})`
		: '';
	return (
		<Box flexDirection="column" height={height}>
			<ToneLines lines={lines} width={width} />
			<Text bold color={theme.accent} wrap="truncate">
				{fit(title, width)}
			</Text>
			<Table
				columns={mappingColumns(width)}
				rows={rows}
				rowKey={r => r.key}
				selected={index}
				offset={offset}
				height={tableHeight}
				width={width}
				focused
				empty={drill.readings === 0 ? '' : 'no mapping matches'}
			/>
			<Text bold wrap="truncate">
				{fit(totals, width)}
			</Text>
		</Box>
	);
}

/** A start time as a clock time today, or with its date when older than a day. */
function formatStart(startMs: number, nowMs: number): string {
	const date = new Date(startMs);
	if (nowMs - startMs < 86_400_000) return formatClock(startMs);
	return `${date.toISOString().slice(0, 10)} ${formatClock(startMs)}`;
}
