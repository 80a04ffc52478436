import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fit, stringWidth} from '../../source/ui/text.js';

test('stringWidth counts columns: one below U+0300, none for combining marks, two for wide, past an ASCII start too', () => {
	assert.equal(stringWidth(''), 0);
	assert.equal(stringWidth('leaktop 12.3M/m'), 15);
	assert.equal(stringWidth('\u02FF\u00E9'), 2);
	assert.equal(stringWidth('e\u0301'), 1);
	assert.equal(stringWidth('ab中文'), 6);
	assert.equal(stringWidth('x😀y'), 4);
	assert.equal(stringWidth('…▁█'), 3);
	assert.equal(stringWidth('a\u200Bb'), 2);
	assert.equal(fit('ab中文x', 5), 'ab中…');
	assert.equal(fit('abc', 5, 'right'), '  abc');
});
