import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {Footer} from '../../../source/ui/components/Footer.js';
import {bindingsIn, type Scope} from '../../../source/ui/keys.js';
import {clip} from '../../../source/ui/text.js';
import {makeTheme} from '../../../source/ui/theme.js';
import {ThemeContext} from '../../../source/ui/ThemeContext.js';

afterEach(cleanup);

// ink-testing-library's terminal is 100 columns wide.
const footer = (scopes: Scope[], width = 90, note?: string) => (
	<ThemeContext.Provider value={makeTheme(false)}>
		<Footer scopes={scopes} width={width} note={note} />
	</ThemeContext.Provider>
);

test('the memoised footer redraws when its scopes, width or note change, not for an equal new scopes array', () => {
	const keysOf = (scopes: Scope[]) => clip(bindingsIn(scopes, true).map(b => `${b.label} ${b.footer}`).join('  '), 90);
	const {lastFrame, rerender} = render(footer(['processes', 'panels', 'global']));
	assert.equal(lastFrame(), keysOf(['processes', 'panels', 'global']));
	rerender(footer(['processes', 'panels', 'global']));
	assert.equal(lastFrame(), keysOf(['processes', 'panels', 'global']));
	rerender(footer(['detail', 'global']));
	assert.notEqual(keysOf(['detail', 'global']), keysOf(['processes', 'panels', 'global']));
	assert.equal(lastFrame(), keysOf(['detail', 'global']));
	rerender(footer(['detail', 'global'], 12));
	assert.equal(lastFrame(), clip(keysOf(['detail', 'global']), 12));
	rerender(footer(['detail', 'global'], 12, 'keys off'));
	assert.equal(lastFrame(), 'keys off');
});
