import {Box, useApp, useInput, useStdin, type Key} from 'ink';
import {useCallback, useEffect, useRef, useState, useSyncExternalStore} from 'react';
import type {DrillTarget} from '../probe/sample.js';
import type {CgroupRow, ProcessRow, SlabRow, Store, SystemMetric} from '../store/store.js';
import type {Point} from '../store/trend.js';
import {FindingsBar} from './components/FindingsBar.js';
import {FindingsView} from './components/FindingsView.js';
import {Footer} from './components/Footer.js';
import {Header, headerHeight} from './components/Header.js';
import {HelpScreen, helpLength} from './components/HelpScreen.js';
import {KernelLine} from './components/KernelLine.js';
import {MemoryPanel, memoryPanelHeight} from './components/MemoryPanel.js';
import {cgroupColumns, cgroupFigures, cgroupsEmptyText, inCgroup, sortCgroups, type CgroupSort} from './components/CgroupTable.js';
import {CGROUP_COLUMN_MIN_WIDTH, processColumns, sortProcesses, type ProcessSort} from './components/ProcessTable.js';
import {slabColumns, sortSlabs, type SlabSort} from './components/SlabTable.js';
import {scrollOffset, Table} from './components/Table.js';
import {Text} from './components/Text.js';
import {VmstatStrip} from './components/VmstatStrip.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {bindingFor, keyName, type Action, type Scope} from './keys.js';
import type {KmemTracer} from './kmemTracer.js';
import {JUMP_MS, type ReplayController, type ReplayState} from '../source/replay.js';
import {ProcessDrill, type DrillActionHandler} from './ProcessDrill.js';
import {SlabDrill} from './SlabDrill.js';
import {printable} from '../probe/process.js';
import {clip, fit, fitMiddle} from './text.js';
import {useTheme} from './ThemeContext.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;
const DRILL_PASSES = new Set<Action>(['quit', 'help', 'back', 'filter', 'freeze', 'faster', 'slower']);
const INTERVAL_STEPS_MS = [250, 500, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000];

/** One cgroup's processes: the process table narrowed to it, opened from the cgroup table. */
type CgroupView = {kind: 'cgroup'; path: string};
/** `from`: the cgroup view it was opened from, where Esc returns. */
type DrillView = {kind: 'drill'; target: DrillTarget; from?: CgroupView};
type View = {kind: 'panels'} | {kind: 'help'; from: 'panels' | DrillView | CgroupView} | {kind: 'findings'} | CgroupView | DrillView;
type Bottom = 'slabs' | 'cgroups';
type Focus = 'processes' | Bottom;
type FilterOf = Focus | 'members' | 'drill';

interface Selection {
	key: string | null;
	index: number;
	offset: number;
}

export interface AppProps {
	store: Store;
	/** "LIVE" or a replay position; shown in the header. */
	mode?: string;
	/** A line for the header (e.g. "recording to leak.ltr"). */
	status?: string;
	/** Opens already drilled in (`--pid`, `--slab`). */
	initialTarget?: DrillTarget;
	/** Replaying a recording: keys step through it, the header says where. */
	replay?: ReplayController;
	/** Runs kmem traces from the slab view; absent: the view says tracing is unavailable. */
	kmem?: KmemTracer;
	onQuit?: () => void;
}

/** Finds the selected row by key so it stays put while rows reorder every tick. */
function resolve<T>(rows: T[], selection: Selection, keyOf: (row: T) => string): number {
	if (rows.length === 0) return 0;
	const byKey = selection.key === null ? -1 : rows.findIndex(r => keyOf(r) === selection.key);
	return byKey >= 0 ? byKey : Math.min(selection.index, rows.length - 1);
}

const processKey = (r: ProcessRow) => r.key;
const slabKey = (r: SlabRow) => r.sample.name;
const cgroupKey = (r: CgroupRow) => r.sample.path;

/** The live full-screen view: panels, tables, drill-downs, help; state here, numbers from the store. */
export function App({store, mode = 'LIVE', status, initialTarget, kmem, replay, onQuit}: AppProps) {
	const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
	const replayState = useSyncExternalStore(replay?.subscribe ?? noSubscription, replay?.getState ?? noReplayState);
	const shownMode = replayState ? replayMode(replayState) : mode;
	const shownStatus = replayState && replayState.notes.length > 0 ? [status, ...replayState.notes].filter(Boolean).join(' · ') : status;
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const theme = useTheme();
	const {columns, rows} = useTerminalSize();
	const [view, setView] = useState<View>(initialTarget ? {kind: 'drill', target: initialTarget} : {kind: 'panels'});
	const [focus, setFocus] = useState<Focus>('processes');
	const [bottom, setBottom] = useState<Bottom>('slabs');
	const [processSort, setProcessSort] = useState<ProcessSort>('rss');
	const [slabSort, setSlabSort] = useState<SlabSort>('size');
	const [cgroupSort, setCgroupSort] = useState<CgroupSort>('usage');
	const [filters, setFilters] = useState<Record<FilterOf, string>>({processes: '', slabs: '', cgroups: '', members: '', drill: ''});
	const [editingFilter, setEditingFilter] = useState(false);
	const [showCommand, setShowCommand] = useState(true);
	// null: shown when the terminal is wide enough; the key makes it a choice.
	const [cgroupColumn, setCgroupColumn] = useState<boolean | null>(null);
	const [processSel, setProcessSel] = useState<Selection>({key: null, index: 0, offset: 0});
	const [slabSel, setSlabSel] = useState<Selection>({key: null, index: 0, offset: 0});
	const [cgroupSel, setCgroupSel] = useState<Selection>({key: null, index: 0, offset: 0});
	const [memberSel, setMemberSel] = useState<Selection>({key: null, index: 0, offset: 0});
	const [scroll, setScroll] = useState(0);
	const drillAction = useRef<DrillActionHandler | null>(null);
	// The drill shown, also while help is over it: the store samples it closely meanwhile.
	const drilled = view.kind === 'drill' ? view : view.kind === 'help' && view.from !== 'panels' && view.from.kind === 'drill' ? view.from : null;
	const cgroupView = view.kind === 'cgroup' ? view : null;
	const drillTarget = drilled?.target ?? null;
	useEffect(() => {
		store.setDrill(drillTarget);
	}, [store, drillTarget]);
	useEffect(() => () => store.setDrill(null), [store]);
	const filterOf: FilterOf = drilled ? 'drill' : cgroupView ? 'members' : focus;

	const width = columns;
	const height = Math.max(1, rows - 1); // A frame as tall as the terminal makes Ink repaint everything.
	const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;

	const showCgroupColumn = cgroupColumn ?? width >= CGROUP_COLUMN_MIN_WIDTH;
	const processRows = sortProcesses(snapshot.processes, processSort, filters.processes);
	const slabRows = sortSlabs(snapshot.slabs, slabSort, filters.slabs);
	const cgroupRows = sortCgroups(snapshot.cgroups, cgroupSort, filters.cgroups);
	// Header, memory (2, 3 in a container), vmstat (2), kernel, verdict, footer; then a title and a header per table.
	const fixed = headerHeight(snapshot, shownStatus) + memoryPanelHeight(snapshot) + 2 + 1 + 1 + 1;
	const tableSpace = Math.max(2, height - fixed - 4);
	const bottomHeight = Math.max(1, Math.floor(tableSpace * 0.4));
	const processHeight = Math.max(1, tableSpace - bottomHeight);

	const processIndex = resolve(processRows, processSel, processKey);
	const slabIndex = resolve(slabRows, slabSel, slabKey);
	const cgroupIndex = resolve(cgroupRows, cgroupSel, cgroupKey);
	const processOffset = scrollOffset(processIndex, processSel.offset, processHeight, processRows.length);
	const slabOffset = scrollOffset(slabIndex, slabSel.offset, bottomHeight, slabRows.length);
	const cgroupOffset = scrollOffset(cgroupIndex, cgroupSel.offset, bottomHeight, cgroupRows.length);

	// A cgroup's own view: its title (3 lines) and the process table narrowed to it.
	const bodyHeight = Math.max(1, height - headerHeight(snapshot, status) - 1);
	const cgroupRow = cgroupView ? (snapshot.cgroups.find(r => r.sample.path === cgroupView.path) ?? null) : null;
	const memberRows = cgroupView ? sortProcesses(snapshot.processes.filter(r => inCgroup(r.sample, cgroupView.path)), processSort, filters.members) : [];
	const memberHeight = Math.max(1, bodyHeight - 4);
	const memberIndex = resolve(memberRows, memberSel, processKey);
	const memberOffset = scrollOffset(memberIndex, memberSel.offset, memberHeight, memberRows.length);

	const viewScopes: Scope[] =
		view.kind === 'help'
			? ['help', 'global']
			: view.kind === 'panels'
				? [focus, 'panels', 'global']
				: view.kind === 'cgroup'
					? ['cgroup', 'processes', 'global']
					: ['detail', 'global'];
	const scopes: Scope[] = replay ? ['replay', ...viewScopes] : viewScopes;

	/** The table the arrow keys move in: one selection, its rows, height and offset. */
	const tables = {
		processes: {total: processRows.length, index: processIndex, offset: processOffset, height: processHeight, set: setProcessSel, keyAt: (i: number) => (processRows[i] ? processKey(processRows[i]) : null)},
		slabs: {total: slabRows.length, index: slabIndex, offset: slabOffset, height: bottomHeight, set: setSlabSel, keyAt: (i: number) => (slabRows[i] ? slabKey(slabRows[i]) : null)},
		cgroups: {total: cgroupRows.length, index: cgroupIndex, offset: cgroupOffset, height: bottomHeight, set: setCgroupSel, keyAt: (i: number) => (cgroupRows[i] ? cgroupKey(cgroupRows[i]) : null)},
		members: {total: memberRows.length, index: memberIndex, offset: memberOffset, height: memberHeight, set: setMemberSel, keyAt: (i: number) => (memberRows[i] ? processKey(memberRows[i]) : null)},
	};

	const move = (action: Action) => {
		const table = tables[cgroupView ? 'members' : focus];
		const {index: current, height: page, total} = table;
		const next = {up: current - 1, down: current + 1, pageUp: current - page, pageDown: current + page, home: 0, end: total - 1}[action as 'up'];
		if (next === undefined) return;
		const index = Math.max(0, Math.min(total - 1, next));
		table.set({key: table.keyAt(index), index, offset: scrollOffset(index, table.offset, page, total)});
	};

	const quit = () => {
		kmem?.cancel();
		onQuit?.();
		exit();
	};

	const perform = (action: Action) => {
		if (replay && performReplay(replay, action)) return;
		if (view.kind === 'drill') {
			if (drillAction.current?.(action)) return;
			// The panels' own keys (focus, drill, their sorts) do nothing behind a drill view.
			if (!DRILL_PASSES.has(action)) return;
		}
		switch (action) {
			case 'quit':
				quit();
				return;
			case 'help':
				setScroll(0);
				if (view.kind === 'help') setView(view.from === 'panels' ? {kind: 'panels'} : view.from);
				else setView({kind: 'help', from: view.kind === 'drill' || view.kind === 'cgroup' ? view : 'panels'});
				return;
			case 'back':
				if (view.kind === 'panels') setFilters(f => ({...f, [focus]: ''}));
				else if (view.kind === 'help' && view.from !== 'panels') setView(view.from);
				else if (view.kind === 'drill' && view.from) {
					setFilters(f => ({...f, drill: ''}));
					setView(view.from);
				} else {
					setFilters(f => ({...f, drill: '', members: ''}));
					setView({kind: 'panels'});
				}
				return;
			case 'focusNext':
			case 'focusPrev':
				setFocus(f => (f === 'processes' ? bottom : 'processes'));
				return;
			case 'toggleBottom': {
				const next = bottom === 'slabs' ? 'cgroups' : 'slabs';
				setBottom(next);
				setFocus(next);
				return;
			}
			case 'up':
			case 'down':
			case 'pageUp':
			case 'pageDown':
			case 'home':
			case 'end':
				if (view.kind === 'panels' || view.kind === 'cgroup') move(action);
				else {
					const step = {up: -1, down: 1, pageUp: -height, pageDown: height, home: -Infinity, end: Infinity}[action];
					setScroll(s => Math.max(0, Math.min(view.kind === 'help' ? helpLength() : 10_000, s + step)));
				}
				return;
			case 'drill': {
				setScroll(0);
				setFilters(f => ({...f, drill: ''}));
				if (cgroupView || focus === 'processes') {
					const row = cgroupView ? memberRows[memberIndex] : processRows[processIndex];
					if (row) setView({kind: 'drill', target: {kind: 'process', pid: row.sample.pid, key: row.key}, ...(cgroupView ? {from: cgroupView} : {})});
				} else if (focus === 'slabs') {
					const row = slabRows[slabIndex];
					if (row) setView({kind: 'drill', target: {kind: 'slab', name: row.sample.name}});
				} else {
					const row = cgroupRows[cgroupIndex];
					if (!row) return;
					setFilters(f => ({...f, members: ''}));
					setMemberSel({key: null, index: 0, offset: 0});
					setView({kind: 'cgroup', path: row.sample.path});
				}
				return;
			}
			case 'sortRss':
				setProcessSort('rss');
				return;
			case 'sortPss':
				setProcessSort('pss');
				return;
			case 'sortGrowth':
				if (cgroupView || focus === 'processes') setProcessSort('growth');
				else if (focus === 'cgroups') setCgroupSort('growth');
				else setSlabSort('growth');
				return;
			case 'sortSize':
				if (focus === 'cgroups') setCgroupSort('usage');
				else setSlabSort('size');
				return;
			case 'sortObjs':
				setSlabSort('objs');
				return;
			case 'filter':
				setEditingFilter(true);
				return;
			case 'freeze':
				store.setFrozen(!snapshot.frozen);
				return;
			case 'faster':
			case 'slower': {
				const current = store.interval;
				const next =
					action === 'faster' ? [...INTERVAL_STEPS_MS].reverse().find(ms => ms < current) : INTERVAL_STEPS_MS.find(ms => ms > current);
				if (next) store.setIntervalMs(next);
				return;
			}
			case 'toggleCommand':
				setShowCommand(s => !s);
				return;
			case 'toggleCgroupColumn':
				setCgroupColumn(!showCgroupColumn);
				return;
			case 'findings':
				setScroll(0);
				setView({kind: 'findings'});
				return;
		}
	};

	// A key acts on the state the keys before it left. React draws a key's changes some time after
	// the key (a busy box: tens of ms), and keys typed faster than that ("G⏎", "/nginx⏎", a paste,
	// key repeat) would otherwise act on the frame before: Enter opening the row above the one the
	// sort just put first. So keys wait in a queue, and the next is handled only once the commit of
	// the one before is done (its turn number is on screen); the handler is the newest render's.
	const onKey = useRef<(input: string, key: Key) => void>(() => {});
	const keys = useRef({queue: [] as Array<[string, Key]>, turn: 0, busy: false});
	const [keyTurn, setKeyTurn] = useState(0);
	const nextKey = useCallback(() => {
		const k = keys.current;
		const next = k.queue.shift();
		if (!next) return;
		k.busy = true;
		// Committed in the same batch as the key's own changes: a key that changes nothing still ends its turn.
		setKeyTurn(++k.turn);
		onKey.current(next[0], next[1]);
	}, []);
	useEffect(() => {
		const k = keys.current;
		if (!k.busy || keyTurn !== k.turn) return;
		k.busy = false;
		nextKey();
	}, [keyTurn, nextKey]);
	const handleKey = (input: string, key: Key) => {
		const name = keyName(input, key);
		if (editingFilter) {
			if (name === 'return') setEditingFilter(false);
			else if (name === 'escape') {
				setEditingFilter(false);
				setFilters(f => ({...f, [filterOf]: ''}));
			} else if (name === 'backspace') setFilters(f => ({...f, [filterOf]: f[filterOf].slice(0, -1)}));
			else if (name === 'ctrl+c') quit();
			else if (input && !key.ctrl && !key.meta) {
				const text = printable(input);
				if (text) setFilters(f => ({...f, [filterOf]: f[filterOf] + text}));
			}
			return;
		}
		const binding = bindingFor(name, scopes);
		if (binding) perform(binding.action);
	};
	onKey.current = handleKey;
	const stableOnKey = useCallback(
		(input: string, key: Key) => {
			const {queue, busy} = keys.current;
			// Ink hands keys typed faster than it reads them over as one chunk: split it key by key.
			if (input.length > 1 && !input.includes('\u001B') && !key.ctrl && !key.meta) {
				for (const char of input) queue.push([char === '\r' ? '' : char, {...key, return: char === '\r', tab: char === '\t'}]);
			} else {
				queue.push([input, key]);
			}
			if (!busy) nextKey();
		},
		[nextKey],
	);
	// Ink reports stdin.isTTY as is: undefined (not false) for a pipe, which useInput would treat as active.
	useInput(stableOnKey, {isActive: isRawModeSupported === true});

	if (tooSmall) {
		return <Text color={theme.warn}>{fit(`terminal too small (need ${MIN_COLUMNS}x${MIN_ROWS}, have ${columns}x${rows}) — q quits`, columns)}</Text>;
	}

	const footerNote = isRawModeSupported ? undefined : 'keys disabled: stdin is not a terminal — Ctrl-C quits';
	const availableHistory = newestPoints(store, 'availableBytes', 120).map(p => p.value);
	const watchingSec = snapshot.startedMs && snapshot.sample ? (snapshot.sample.timeMs - snapshot.startedMs) / 1000 : 0;

	let drillBody = null;
	if (drilled) {
		const drill = snapshot.drill;
		const matches = drill !== null && (drill.kind === 'process' ? drilled.target.kind === 'process' && drill.pid === drilled.target.pid : drilled.target.kind === 'slab' && drill.name === drilled.target.name);
		const filter = filters.drill;
		drillBody = !matches ? (
			<Text color={theme.muted}>{fit(`opening ${drilled.target.kind === 'process' ? `pid ${drilled.target.pid}` : `slab cache ${drilled.target.name}`}…`, width)}</Text>
		) : drill.kind === 'process' ? (
			<ProcessDrill drill={drill} sample={snapshot.sample} width={width} height={bodyHeight} filter={filter} actionRef={drillAction} />
		) : (
			<SlabDrill drill={drill} width={width} height={bodyHeight} filter={filter} kmem={kmem ?? null} actionRef={drillAction} />
		);
	}
	let body;
	if (view.kind === 'help') {
		body = <HelpScreen width={width} height={height - 1} offset={scroll} replay={replay !== undefined} />;
	} else if (view.kind === 'findings') {
		body = <FindingsView findings={snapshot.findings} width={width} height={height - 1} offset={scroll} />;
	} else if (view.kind === 'drill') {
		body = drillBody;
	} else if (view.kind === 'cgroup') {
		const filterText = filters.members || editingFilter ? `  filter: ${filters.members}${editingFilter ? '▏' : ''}` : '';
		const figures = cgroupRow ? cgroupFigures(cgroupRow, width) : ['this cgroup is gone (or not read yet)'];
		body = (
			<Box flexDirection="column">
				<Text bold color={theme.accent} wrap="truncate">
					{fit(`cgroup ${fitMiddle(view.path, Math.max(10, width - 40)).trimEnd()}  ${memberRows.length} process${memberRows.length === 1 ? '' : 'es'}  sort: ${processSort.toUpperCase()}${filterText}`, width)}
				</Text>
				{[0, 1].map(i => (
					<Text key={i} wrap="truncate">
						{clip(figures[i] ?? '', width)}
					</Text>
				))}
				<Table
					columns={processColumns(theme, showCommand, width, showCgroupColumn)}
					rows={memberRows}
					rowKey={processKey}
					selected={memberIndex}
					offset={memberOffset}
					height={memberHeight}
					width={width}
					focused
					empty={filters.members ? 'no process matches the filter' : 'no process of this cgroup is listed'}
				/>
			</Box>
		);
	} else {
		const filterText = (which: Focus) => (filters[which] || (editingFilter && focus === which) ? `  filter: ${filters[which]}${editingFilter && focus === which ? '▏' : ''}` : '');
		const title = (which: Focus, text: string) => (
			<Text bold={focus === which} color={focus === which ? theme.accent : theme.muted} wrap="truncate">
				{clip(`${focus === which ? '▶' : ' '} ${text}${filterText(which)}`, width)}
			</Text>
		);
		body = (
			<Box flexDirection="column">
				<MemoryPanel snapshot={snapshot} availableHistory={availableHistory} width={width} />
				<VmstatStrip snapshot={snapshot} persisting={persistingTrouble(store)} />
				<KernelLine snapshot={snapshot} width={width} />
				<FindingsBar findings={snapshot.findings} width={width} watchingSec={watchingSec} />
				{title('processes', `Processes ${processRows.length}/${snapshot.processes.length}  sort: ${processSort.toUpperCase()}`)}
				<Table
					columns={processColumns(theme, showCommand, width, showCgroupColumn)}
					rows={processRows}
					rowKey={processKey}
					selected={processIndex}
					offset={processOffset}
					height={processHeight}
					width={width}
					focused={focus === 'processes'}
					empty={snapshot.sample?.sources.processes === 'PENDING' ? 'reading /proc…' : undefined}
				/>
				{bottom === 'slabs' ? (
					<>
						{title('slabs', `Slab caches ${slabRows.length}/${snapshot.slabs.length}  sort: ${slabSort.toUpperCase()}  (g: cgroups)`)}
						<Table
							columns={slabColumns()}
							rows={slabRows}
							rowKey={slabKey}
							selected={slabIndex}
							offset={slabOffset}
							height={bottomHeight}
							width={width}
							focused={focus === 'slabs'}
							empty={snapshot.sample?.sources.slabs === 'EACCES' ? 'slab caches: needs root' : 'no slab data'}
						/>
					</>
				) : (
					<>
						{title('cgroups', `Memory cgroups ${cgroupRows.length}/${snapshot.cgroups.length}${snapshot.sample?.cgroupMode ? ` (${snapshot.sample.cgroupMode})` : ''}  sort: ${cgroupSort.toUpperCase()}  (g: slabs)`)}
						<Table
							columns={cgroupColumns(width, cgroupRows)}
							rows={cgroupRows}
							rowKey={cgroupKey}
							selected={cgroupIndex}
							offset={cgroupOffset}
							height={bottomHeight}
							width={width}
							focused={focus === 'cgroups'}
							empty={cgroupsEmptyText(snapshot.sample, filters.cgroups !== '' && snapshot.cgroups.length > 0)}
						/>
					</>
				)}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={width} height={height}>
			<Header snapshot={snapshot} width={width} mode={shownMode} status={shownStatus} />
			<Box flexDirection="column" flexGrow={1}>
				{body}
				{/* Help over a drill keeps the drill mounted (its sort, selection and running trace). */}
				{view.kind === 'help' && drillBody ? <Box display="none">{drillBody}</Box> : null}
			</Box>
			<Footer
				scopes={scopes}
				width={width}
				note={editingFilter ? `type to filter${drilled ? ' the mappings (or call sites)' : focus === 'cgroups' && !cgroupView ? ' by path or container' : ''} · Enter keeps · Esc clears` : footerNote}
			/>
		</Box>
	);
}

/** vmstat columns whose trouble signal has persisted over the last several samples. */
function persistingTrouble(store: Store): Set<string> {
	const out = new Set<string>();
	for (const metric of ['si', 'so', 'sr'] as const) {
		const recent = newestPoints(store, metric, 5);
		if (recent.length >= 3 && recent.every(p => p.value > 0)) out.add(metric);
	}
	return out;
}

/**
 * The newest n points of a system metric. The whole history is up to an hour of points, copied into
 * new objects on every call: a window of the last n intervals holds them unless ticks came late or
 * the interval changed, and then the whole history is still the answer.
 */
function newestPoints(store: Store, metric: SystemMetric, n: number): Point[] {
	const recent = store.systemSeries(metric, n * store.interval);
	return (recent.length >= n ? recent : store.systemSeries(metric)).slice(-n);
}

const noSubscription = () => () => {};
const noReplayState = (): ReplayState | null => null;

/** "REPLAY 14:03:22 123/3600 ▶ 4x": where the replay is, for the header. */
function replayMode(state: ReplayState): string {
	const clock = state.timeMs === null ? '--:--:--' : new Date(state.timeMs).toISOString().slice(0, 19).replace('T', ' ');
	return `REPLAY ${clock}  ${state.index + 1}/${state.length} ${state.playing ? '▶' : '❚❚'} ${state.speed}x`;
}

/** Replay's own keys; false for any other action. */
function performReplay(replay: ReplayController, action: Action): boolean {
	switch (action) {
		case 'replayNext':
			replay.step(1);
			return true;
		case 'replayPrev':
			replay.step(-1);
			return true;
		case 'replayJumpForward':
			replay.jump(JUMP_MS);
			return true;
		case 'replayJumpBack':
			replay.jump(-JUMP_MS);
			return true;
		case 'replayStart':
			replay.start();
			return true;
		case 'replayEnd':
			replay.end();
			return true;
		case 'replayPlay':
			replay.togglePlay();
			return true;
		case 'replayFaster':
			replay.faster();
			return true;
		case 'replaySlower':
			replay.slower();
			return true;
		default:
			return false;
	}
}
