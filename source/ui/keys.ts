import type {Key} from 'ink';

/** Where a key applies. The app says which scopes are active; the first match wins. */
export type Scope = 'replay' | 'global' | 'panels' | 'processes' | 'slabs' | 'cgroups' | 'cgroup' | 'detail' | 'help';

export type Action =
	| 'quit'
	| 'help'
	| 'back'
	| 'focusNext'
	| 'focusPrev'
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'home'
	| 'end'
	| 'drill'
	| 'sortRss'
	| 'sortPss'
	| 'sortGrowth'
	| 'sortSize'
	| 'sortObjs'
	| 'filter'
	| 'freeze'
	| 'faster'
	| 'slower'
	| 'toggleCommand'
	| 'toggleCgroupColumn'
	| 'toggleBottom'
	| 'findings'
	| 'sortAnon'
	| 'sortChange'
	| 'sortAddress'
	| 'kmemTrace'
	| 'kmemSpan'
	| 'kmemStop'
	| 'replayNext'
	| 'replayPrev'
	| 'replayJumpForward'
	| 'replayJumpBack'
	| 'replayStart'
	| 'replayEnd'
	| 'replayPlay'
	| 'replayFaster'
	| 'replaySlower';

export interface Binding {
	/** Normalised key names (see keyName). */
	keys: string[];
	/** How the key is shown in the footer and help. */
	label: string;
	scopes: Scope[];
	action: Action;
	help: string;
	/** Footer text (space is short: only the essentials have one). */
	footer?: string;
}

/** The one key table: input handling, the footer and the help screen are all drawn from it. */
export const BINDINGS: Binding[] = [
	// Replay keys come first: in a replay they win over the same letters below (atop/below habits).
	{keys: ['t'], label: 't/T', scopes: ['replay'], action: 'replayNext', help: 'Replay: next sample', footer: 'step'},
	{keys: ['T'], label: 'T', scopes: ['replay'], action: 'replayPrev', help: 'Replay: previous sample'},
	{keys: ['j'], label: 'j/J', scopes: ['replay'], action: 'replayJumpForward', help: 'Replay: jump forward a minute', footer: 'jump'},
	{keys: ['J'], label: 'J', scopes: ['replay'], action: 'replayJumpBack', help: 'Replay: jump back a minute'},
	{keys: ['r'], label: 'r/Z', scopes: ['replay'], action: 'replayStart', help: 'Replay: go to the start', footer: 'start/end'},
	{keys: ['Z'], label: 'Z', scopes: ['replay'], action: 'replayEnd', help: 'Replay: go to the end'},
	{keys: [' '], label: 'space', scopes: ['replay'], action: 'replayPlay', help: 'Replay: play / pause', footer: 'play'},
	{keys: ['>', '+', ']'], label: '</>', scopes: ['replay'], action: 'replayFaster', help: 'Replay: play faster', footer: 'speed'},
	{keys: ['<', '-', '['], label: '<', scopes: ['replay'], action: 'replaySlower', help: 'Replay: play slower'},
	{keys: ['q'], label: 'q', scopes: ['global'], action: 'quit', help: 'Quit', footer: 'quit'},
	{keys: ['ctrl+c'], label: 'Ctrl-C', scopes: ['global'], action: 'quit', help: 'Quit'},
	{keys: ['?', 'f1'], label: '?', scopes: ['global'], action: 'help', help: 'Help: this list of keys', footer: 'help'},
	{keys: ['escape'], label: 'Esc', scopes: ['help', 'detail', 'cgroup'], action: 'back', help: 'Back to the panels (from a process opened in a cgroup: back to that cgroup)', footer: 'back'},
	{keys: ['tab'], label: 'Tab', scopes: ['panels'], action: 'focusNext', help: 'Move focus: processes ↔ the bottom pane (slab caches or cgroups)', footer: 'focus'},
	{keys: ['shift+tab'], label: 'S-Tab', scopes: ['panels'], action: 'focusPrev', help: 'Move focus back'},
	{keys: ['g'], label: 'g', scopes: ['panels'], action: 'toggleBottom', help: 'Bottom pane: slab caches ↔ memory cgroups (and focus it)', footer: 'cgroups'},
	{keys: ['up', 'k'], label: '↑↓', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'up', help: 'Move the selection up'},
	{keys: ['down', 'j'], label: '↓', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'down', help: 'Move the selection down'},
	{keys: ['pageup'], label: 'PgUp', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'pageUp', help: 'One page up'},
	{keys: ['pagedown'], label: 'PgDn', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'pageDown', help: 'One page down'},
	{keys: ['home'], label: 'Home', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'home', help: 'First row'},
	{keys: ['end'], label: 'End', scopes: ['panels', 'detail', 'help', 'cgroup'], action: 'end', help: 'Last row'},
	{keys: ['return'], label: 'Enter', scopes: ['panels', 'cgroup'], action: 'drill', help: 'Drill into the selected process or slab cache; on a cgroup, list its processes', footer: 'drill'},
	{keys: ['M'], label: 'M', scopes: ['processes'], action: 'sortRss', help: 'Sort processes by RSS (as in top)', footer: 'RSS'},
	{keys: ['P'], label: 'P', scopes: ['processes'], action: 'sortPss', help: 'Sort processes by PSS (top’s P is %CPU; leaktop has no CPU column)', footer: 'PSS'},
	{keys: ['G'], label: 'G', scopes: ['processes', 'slabs', 'cgroups'], action: 'sortGrowth', help: 'Sort the focused table by growth per minute', footer: 'growth'},
	{keys: ['M', 'C'], label: 'M', scopes: ['slabs'], action: 'sortSize', help: 'Sort slab caches by size (slabtop’s c)', footer: 'size'},
	{keys: ['M'], label: 'M', scopes: ['cgroups'], action: 'sortSize', help: 'Sort cgroups by memory usage (the default)', footer: 'usage'},
	{keys: ['O'], label: 'O', scopes: ['slabs'], action: 'sortObjs', help: 'Sort slab caches by number of objects (slabtop’s o)', footer: 'objs'},
	{keys: ['G'], label: 'G', scopes: ['detail'], action: 'sortGrowth', help: 'Sort mappings by anonymous growth per minute (the default)', footer: 'growth'},
	{keys: ['M'], label: 'M', scopes: ['detail'], action: 'sortRss', help: 'Sort mappings by RSS'},
	{keys: ['A'], label: 'A', scopes: ['detail'], action: 'sortAnon', help: 'Sort mappings by anonymous memory'},
	{keys: ['D'], label: 'D', scopes: ['detail'], action: 'sortChange', help: 'Sort mappings by RSS change since the view opened'},
	{keys: ['N'], label: 'N', scopes: ['detail'], action: 'sortAddress', help: 'Sort mappings by address, as pmap lists them'},
	{keys: ['t'], label: 't', scopes: ['detail'], action: 'kmemTrace', help: 'Slab view: trace kmalloc/kfree with perf for the chosen span, then list call sites still allocated', footer: 'trace'},
	{keys: ['T'], label: 'T', scopes: ['detail'], action: 'kmemSpan', help: 'Slab view: change the trace span (5, 10, 30, 60 s)'},
	{keys: ['x'], label: 'x', scopes: ['detail'], action: 'kmemStop', help: 'Slab view: end the running trace now and show what it saw'},
	{keys: ['/'], label: '/', scopes: ['panels', 'detail', 'cgroup'], action: 'filter', help: 'Filter the focused table by name, or cgroups by path (Enter keeps, Esc clears)', footer: 'filter'},
	{keys: ['escape'], label: 'Esc', scopes: ['panels'], action: 'back', help: 'Clear the filter'},
	{keys: [' ', 'f'], label: 'f', scopes: ['global'], action: 'freeze', help: 'Freeze the display while sampling goes on (space too)', footer: 'freeze'},
	{keys: ['+', '='], label: '+/-', scopes: ['global'], action: 'faster', help: 'Shorter refresh interval', footer: 'interval'},
	{keys: ['-'], label: '-', scopes: ['global'], action: 'slower', help: 'Longer refresh interval'},
	{keys: ['c'], label: 'c', scopes: ['processes'], action: 'toggleCommand', help: 'Show the command line or only the name'},
	{keys: ['n'], label: 'n', scopes: ['processes'], action: 'toggleCgroupColumn', help: 'Show or hide the CGROUP column: container or unit name (shown by itself from 140 columns)'},
	{keys: ['v'], label: 'v', scopes: ['panels'], action: 'findings', help: 'Show all verdicts with their evidence', footer: 'verdicts'},
];

/** Ink's key event → one name as written in BINDINGS ("ctrl+c", "shift+tab", "pagedown", "M"). */
export function keyName(input: string, key: Key): string {
	if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
	if (key.tab) return key.shift ? 'shift+tab' : 'tab';
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.home) return 'home';
	if (key.end) return 'end';
	if (key.return) return 'return';
	if (key.escape) return 'escape';
	if (key.backspace || key.delete) return 'backspace';
	// F1 arrives as ESC O P or ESC [ 1 1 ~ depending on the terminal; Ink passes the tail.
	if (input === 'OP' || input === '[11~' || input === '[[A') return 'f1';
	return input;
}

/** The binding for a key in the active scopes, in table order. */
export function bindingFor(name: string, scopes: readonly Scope[]): Binding | undefined {
	return BINDINGS.find(b => b.keys.includes(name) && b.scopes.some(s => scopes.includes(s)));
}

/** Bindings to list for the active scopes, one per action, leaving out keys an earlier binding takes. */
export function bindingsIn(scopes: readonly Scope[], footerOnly = false): Binding[] {
	const seen = new Set<string>();
	const taken = new Set<string>();
	const shown: Binding[] = [];
	for (const b of BINDINGS) {
		if (!b.scopes.some(s => scopes.includes(s))) continue;
		// In a replay `t` steps: the slab view's `t` (trace) is shadowed and must not be offered.
		const live = b.keys.filter(k => !taken.has(k));
		for (const k of b.keys) taken.add(k);
		if (live.length === 0 || (footerOnly && !b.footer)) continue;
		const id = `${b.action}:${b.label}`;
		if (seen.has(id)) continue;
		seen.add(id);
		shown.push(b);
	}
	return shown;
}

const KEY_NAMES: Record<string, string> = {
	up: '↑',
	down: '↓',
	left: '←',
	right: '→',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	home: 'Home',
	end: 'End',
	return: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	'shift+tab': 'Shift-Tab',
	'ctrl+c': 'Ctrl-C',
	f1: 'F1',
	' ': 'space',
};

/** A key as a person reads it: "PgUp", "Ctrl-C", "space". */
export function keyLabel(key: string): string {
	return KEY_NAMES[key] ?? key;
}
