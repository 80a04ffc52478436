import {Box} from 'ink';
import {Text} from './components/Text.js';
import {useEffect, useState, type RefObject} from 'react';
import type {OutstandingSite} from '../kmem/match.js';
import type {SlabDrillSnapshot} from '../store/drill.js';
import {formatBytes, formatDelta, formatRatePerMin} from '../units.js';
import {scrollOffset, Table, type Column} from './components/Table.js';
import {ToneLines, type ToneLine} from './components/ToneLines.js';
import type {KmemState, KmemTracer} from './kmemTracer.js';
import type {DrillActionHandler} from './ProcessDrill.js';
import {fit} from './text.js';
import {useTheme} from './ThemeContext.js';

const SPANS_SEC = [5, 10, 30, 60];
const CHART_ROWS = 4;

export interface SlabDrillProps {
	drill: SlabDrillSnapshot;
	width: number;
	height: number;
	/** Filters the traced call sites by symbol or cache. */
	filter: string;
	kmem: KmemTracer | null;
	actionRef: RefObject<DrillActionHandler | null>;
}

/** A chart `rows` lines tall of the newest `width` values, scaled min..max, block characters. */
export function chart(values: readonly number[], width: number, rows: number, chars: string): string[] {
	const shown = values.slice(-width);
	const finite = shown.filter(Number.isFinite);
	const min = finite.length ? Math.min(...finite) : 0;
	const max = finite.length ? Math.max(...finite) : 0;
	const levels = rows * chars.length;
	const heights = shown.map(v => (!Number.isFinite(v) ? 0 : max === min ? 1 : 1 + Math.round(((v - min) / (max - min)) * (levels - 1))));
	const out: string[] = [];
	for (let row = rows - 1; row >= 0; row--) {
		const line = heights.map(h => {
			const inRow = h - row * chars.length;
			return inRow <= 0 ? ' ' : inRow >= chars.length ? chars[chars.length - 1]! : chars[inRow - 1]!;
		});
		out.push(line.join('').padStart(width));
	}
	return out;
}

const perMin = (value: number | null) => (value === null ? 'n/a' : `${value > 0 ? '+' : ''}${Math.round(value)}/min`);

function siteColumns(): Column<OutstandingSite>[] {
	return [
		{title: 'COUNT', width: 7, align: 'right', cell: s => String(s.count)},
		{title: 'ALLOC', width: 7, align: 'right', cell: s => formatBytes(s.allocatedBytes)},
		{title: 'CACHE', width: 16, cell: s => (s.cacheInferred ? `${s.cache}*` : s.cache)},
		{title: 'CALL SITE', cell: s => `${s.symbol ?? s.callSite}  ${s.comms.join(',')}`},
	];
}

/** One slab cache over time: sysfs attributes, aliases, slabinfo row, a chart, and a kmem trace. */
export function SlabDrill({drill, width, height, filter, kmem, actionRef}: SlabDrillProps) {
	const theme = useTheme();
	const [spanSec, setSpanSec] = useState(10);
	const [trace, setTrace] = useState<KmemState | null>(null);
	const [selected, setSelected] = useState({index: 0, offset: 0});
	const [, setTick] = useState(0);

	// Whatever way the view is left, perf goes with it.
	useEffect(() => () => kmem?.cancel(), [kmem]);
	const tracing = trace?.phase === 'tracing';
	useEffect(() => {
		if (!tracing) return;
		const timer = setInterval(() => setTick(n => n + 1), 500);
		return () => clearInterval(timer);
	}, [tracing]);

	const d = drill.detail;
	const a = d?.attributes;
	const attr = (name: keyof NonNullable<typeof a>) => (a?.[name].ok ? a[name].value : null);
	const lines: ToneLine[] = [];
	const names = d?.aliases.length ? `  (merged with ${d.aliases.join(', ')})` : drill.row?.aliases.length ? `  (merged with ${drill.row.aliases.join(', ')})` : '';
	lines.push({text: `slab cache ${drill.name}${names}${d && d.dir !== drill.name ? `  → ${d.dir}` : ''}`});
	if (d?.merged || drill.row?.aliases.length) {
		lines.push({text: 'merged: several users share these objects; boot with slab_nomerge to tell them apart', tone: 'muted'});
	}
	if (drill.gone) lines.push({text: 'the cache is gone (module unloaded?): showing what was collected', tone: 'bad'});
	if (a) {
		const reclaim = attr('reclaim_account');
		const cpu = attr('cpu_slabs');
		lines.push({
			text:
				`objects ${attr('objects') ?? 'n/a'}/${attr('total_objects') ?? 'n/a'}  slabs ${attr('slabs') ?? 'n/a'} (partial ${attr('partial') ?? 'n/a'}${cpu === null ? '' : `, cpu ${cpu}`})  ` +
				(reclaim === null ? '' : reclaim ? 'reclaimable' : 'unreclaimable'),
		});
		lines.push({text: `object ${attr('object_size') ?? 'n/a'}B (${attr('slab_size') ?? 'n/a'}B with metadata)  ${attr('objs_per_slab') ?? 'n/a'} per slab  order ${attr('order') ?? 'n/a'}`});
	}
	const r = drill.row;
	lines.push({
		text: r
			? `slabinfo  ${r.name} ${r.activeObjs} ${r.numObjs} ${r.objSize} ${r.objPerSlab} ${r.pagesPerSlab} : slabdata ${r.activeSlabs} ${r.numSlabs}  = ${formatBytes(r.sizeBytes)}`
			: 'slabinfo  no row for this cache',
		tone: r ? 'muted' : 'warn',
	});
	if (drill.detailProblem) lines.push({text: drill.detailProblem, tone: 'warn'});
	if (drill.missing.length) lines.push({text: `missing: ${drill.missing.map(m => `${m.attribute} (${m.reason})`).join(', ')}`, tone: 'warn'});
	const objectBytes = attr('slab_size') ?? r?.objSize ?? null;
	const objectsRate = drill.objects.growthPerMin;
	lines.push({
		text:
			`growth objects ${perMin(objectsRate)}${objectsRate !== null && objectBytes !== null ? ` (${formatRatePerMin(objectsRate * objectBytes)})` : ''}  ` +
			`slabs ${perMin(drill.slabs.growthPerMin)}  memory ${formatRatePerMin(drill.bytes.growthPerMin)}  ` +
			`since opened ${drill.objectsDelta === null ? 'n/a' : `${drill.objectsDelta >= 0 ? '+' : ''}${drill.objectsDelta}`} objects (${formatDelta(drill.bytesDelta)})`,
		tone: (objectsRate ?? 0) > 0 ? 'warn' : undefined,
	});
	const history = drill.objects.history.filter(Number.isFinite);
	const low = history.length ? Math.min(...history) : null;
	const high = history.length ? Math.max(...history) : null;
	lines.push({text: `objects, last ${Math.min(history.length, width)} samples: ${low ?? 'n/a'} … ${high ?? 'n/a'}`, tone: 'accent'});
	const chartLines = chart(drill.objects.history, width, CHART_ROWS, theme.sparkChars);

	const needle = filter.toLowerCase();
	const sites = trace?.phase === 'done' ? trace.report.outstanding.filter(s => !needle || `${s.symbol ?? s.callSite} ${s.cache} ${s.comms.join(' ')}`.toLowerCase().includes(needle)) : [];
	let traceLine: {text: string; tone?: 'warn' | 'bad' | 'muted'};
	if (!kmem) traceLine = {text: 'kmem tracing is not available here', tone: 'muted'};
	else if (!trace) traceLine = {text: `t traces kmalloc/kfree of ${drill.name} for ${spanSec} s with perf (T changes the span)`, tone: 'muted'};
	else if (trace.phase === 'checking') traceLine = {text: 'checking that perf can trace kmem events…'};
	else if (trace.phase === 'tracing') {
		const elapsed = Math.min(trace.durationSec, Math.floor((Date.now() - trace.startedMs) / 1000));
		traceLine = {text: `tracing ${trace.cache} with perf… ${elapsed}/${trace.durationSec} s  (x ends now, Esc cancels)`, tone: 'warn'};
	} else if (trace.phase === 'stopping') traceLine = {text: 'ending the trace, reading what perf saw…', tone: 'warn'};
	else if (trace.phase === 'failed') traceLine = {text: `kmem trace: ${trace.message}`, tone: 'bad'};
	else {
		const rep = trace.report;
		traceLine = {
			text:
				`traced ${rep.traceSec.toFixed(1)} s: ${rep.allocs} allocs, ${rep.frees} frees; ${rep.outstanding.length} call sites still hold memory older than ${rep.graceSec} s` +
				`${rep.incomplete ? `  INCOMPLETE: ${rep.incompleteReasons.join('; ')}` : ''}  (t again)`,
			tone: rep.incomplete ? 'warn' : undefined,
		};
	}

	const siteHeight = Math.max(1, height - lines.length - chartLines.length - 2);
	const index = Math.max(0, Math.min(sites.length - 1, selected.index));
	const offset = scrollOffset(index, selected.offset, siteHeight, sites.length);

	actionRef.current = action => {
		switch (action) {
			case 'kmemTrace':
				if (!kmem || trace?.phase === 'checking' || trace?.phase === 'tracing' || trace?.phase === 'stopping') return true;
				setSelected({index: 0, offset: 0});
				kmem.start(drill.name, spanSec, setTrace);
				return true;
			case 'kmemSpan':
				setSpanSec(s => SPANS_SEC[(SPANS_SEC.indexOf(s) + 1) % SPANS_SEC.length]!);
				return true;
			case 'kmemStop':
				if (trace?.phase !== 'tracing') return true;
				kmem?.stop();
				setTrace({phase: 'stopping', cache: trace.cache, durationSec: trace.durationSec});
				return true;
			default: {
				const step = {up: -1, down: 1, pageUp: -siteHeight, pageDown: siteHeight, home: -Infinity, end: Infinity}[action as 'up'];
				if (step === undefined) return false;
				const next = Math.max(0, Math.min(sites.length - 1, index + step));
				setSelected({index: next, offset: scrollOffset(next, offset, siteHeight, sites.length)});
				return true;
			}
		}
	};

	return (
		<Box flexDirection="column" height={height}>
			<ToneLines lines={lines} width={width} />
			{chartLines.map((line, i) => (
				<Text key={`c${i}`} color={theme.accent} wrap="truncate">
					{line}
				</Text>
			))}
			<Text wrap="truncate" color={traceLine.tone ? theme[traceLine.tone] : undefined}>
				{fit(traceLine.text, width)}
			</Text>
			{trace?.phase === 'done' ? (
				<Table
					columns={siteColumns()}
					rows={sites}
					rowKey={s => `${s.callSite} ${s.cache}`}
					selected={index}
					offset={offset}
					height={siteHeight}
					width={width}
					focused
					empty="no call site holds memory older than the grace period"
				/>
			) : null}
		</Box>
	);
}
