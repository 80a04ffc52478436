import {Box} from 'ink';
import {Text} from './Text.js';
import {BINDINGS, keyLabel, type Scope} from '../keys.js';
import {fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

const SCOPE_TITLES: Record<Scope, string> = {
	replay: 'Replay',
	global: 'Everywhere',
	panels: 'Panels',
	processes: 'Process table',
	slabs: 'Slab table',
	cgroups: 'Cgroup table',
	cgroup: 'A cgroup’s processes',
	detail: 'Drill-down views',
	help: 'This help',
};

/** Every key, grouped by where it works; drawn from the key table so it cannot drift. */
export function HelpScreen({width, height, offset, replay = false}: {width: number; height: number; offset: number; replay?: boolean}) {
	const theme = useTheme();
	const lines: Array<{text: string; title?: boolean}> = [];
	for (const scope of Object.keys(SCOPE_TITLES) as Scope[]) {
		if (scope === 'help' || (scope === 'replay' && !replay)) continue;
		const bindings = BINDINGS.filter(b => b.scopes[0] === scope);
		if (bindings.length === 0) continue;
		lines.push({text: SCOPE_TITLES[scope], title: true});
		for (const b of bindings) lines.push({text: `  ${b.keys.map(keyLabel).join(', ').padEnd(22)} ${b.help}`});
	}
	const shown = lines.slice(offset, offset + height - 2);
	return (
		<Box flexDirection="column" height={height}>
			<Text bold color={theme.accent}>
				{fit('leaktop keys — Esc or ? to close', width)}
			</Text>
			{shown.map((line, i) => (
				<Text key={i} bold={line.title} wrap="truncate">
					{fit(line.text, width)}
				</Text>
			))}
		</Box>
	);
}

/** Lines the help screen has, for scrolling. */
export function helpLength(): number {
	return BINDINGS.length + Object.keys(SCOPE_TITLES).length;
}
