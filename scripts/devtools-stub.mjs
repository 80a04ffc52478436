// react-devtools-core as Ink's devtools.js uses it when DEV is set: leaktop ships no devtools.
export default {initialize() {}, connectToDevTools() {}};
