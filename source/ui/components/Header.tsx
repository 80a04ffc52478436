import {Box} from 'ink';
import {Text} from './Text.js';
import {describeReason, type Reason} from '../../probe/result.js';
import type {SelfContainerFacts} from '../../probe/sample.js';
import type {Snapshot} from '../../store/store.js';
import {formatClock, formatDuration} from '../../units.js';
import {clip, fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

const SOURCE_NAMES: Record<string, string> = {
	meminfo: 'memory',
	vmstat: 'vmstat',
	stat: 'cpu/stat',
	pressure: 'PSI',
	processes: 'processes',
	pss: 'PSS',
	slabs: 'slab caches',
};

/** What cannot be read and why, e.g. "slab caches: needs root". PSI absent is no problem, nor a read still to come. */
function problems(snapshot: Snapshot): string[] {
	const sample = snapshot.sample;
	if (!sample) return [];
	const lines = Object.entries(sample.sources)
		.filter(([name, state]) => state !== 'ok' && state !== 'PENDING' && name in SOURCE_NAMES && !(name === 'pressure' && state === 'ENOENT'))
		.map(([name, state]) => `${SOURCE_NAMES[name]}: ${describeReason(state as Reason)}`);
	if (sample.processesHidden) lines.push(`${sample.processesHidden} processes unreadable or gone mid-scan`);
	return lines;
}

/** "docker 9c1e4b7d2a5f", "lxc web1", or "a container" when the evidence names no runtime. */
export function containerLabel(container: SelfContainerFacts): string {
	const named = [container.kind, container.name].filter(Boolean).join(' ');
	return named || (container.lxcfs ? 'an lxcfs container' : 'a container');
}

/** Lines the header takes for this snapshot. */
export function headerHeight(snapshot: Snapshot, status?: string): number {
	return problems(snapshot).length > 0 || status ? 2 : 1;
}

/** Host, kernel, uptime, interval, clock, live/paused state, and what cannot be read and why. */
export function Header({snapshot, width, mode, status}: {snapshot: Snapshot; width: number; mode: string; status?: string}) {
	const theme = useTheme();
	const sample = snapshot.sample;
	const clock = sample ? formatClock(sample.timeMs) : '--:--:--';
	const uptime = sample?.host.uptimeSec == null ? 'n/a' : formatDuration(sample.host.uptimeSec);
	const interval = `${snapshot.intervalMs / 1000}s`;
	const state = snapshot.frozen ? 'FROZEN' : mode;
	const container = sample?.self?.container;
	const inside = container ? `  in ${containerLabel(container)}` : '';
	const left = sample ? `leaktop  ${sample.host.hostname}${inside}  ${sample.host.kernel}  up ${uptime}  every ${interval}  ${sample.sources.processes === 'PENDING' ? '…' : sample.processCount} procs` : 'leaktop  starting…';
	const right = `${state}  ${clock}`;
	const unavailable = problems(snapshot);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold>{fit(left, Math.max(0, width - right.length - 1))}</Text>{' '}
				<Text color={snapshot.frozen ? theme.warn : theme.good} bold>
					{state}
				</Text>
				<Text>{`  ${clock}`}</Text>
			</Text>
			{unavailable.length > 0 || status ? (
				<Text color={theme.warn} wrap="truncate">
					{clip([status, ...unavailable].filter(Boolean).join(' · '), width)}
				</Text>
			) : null}
		</Box>
	);
}
