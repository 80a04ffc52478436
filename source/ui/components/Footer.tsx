import {Text} from 'ink';
import {bindingsIn, type Scope} from '../keys.js';
import {clip, fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

/** The keys that work here, from the same table that handles them. */
export function Footer({scopes, width, note}: {scopes: Scope[]; width: number; note?: string}) {
	const theme = useTheme();
	const text = note ?? bindingsIn(scopes, true).map(b => `${b.label} ${b.footer}`).join('  ');
	return (
		<Text color={theme.muted} wrap="truncate">
			{clip(text, width)}
		</Text>
	);
}
