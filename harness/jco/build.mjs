// build.mjs - builds cancelfuzz's jco guest: WAT (gen-guest.mjs) -> jco parse
// -> jco transpile (JSPI, async instantiation) -> checked text patches of the
// generated JS, and optionally one planted bug (a mutant).
//
// Usage:
//   node build.mjs [--out DIR] [--mutant NAME]   build DIR/guest (default
//                                                build-jco/guest) or, with
//                                                --mutant, DIR/mutant-NAME
//   node build.mjs --list-mutants                name and description of each
//
// Every patch is an exact text substitution whose anchor must occur exactly
// once in jco's output; anything else fails the build, naming the patch, so
// a jco upgrade that moves the code is caught here and not at run time.
'use strict';

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { guestWat, MAX_INSTANCES } from './gen-guest.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const JCO_VERSION = '1.35.0';

// ---- patches applied to every build: expose state, hook traps ----

// Each: [name, anchor, replacement]. `_cfHooks` is the driver's object,
// passed in through the import object (see PATCH_HOOKS_IN).
const BASE_PATCHES = [
	// The driver's hooks arrive with the imports; a no-op set otherwise.
	['hooks-in',
		'export function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {\n',
		'export function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {\n' +
		'  const _cfHooks = imports._cfHooks ?? { trap() {}, guard: (f) => f, guardAsync: (f) => f };\n' +
		'  const _cfTrap = (err) => _cfHooks.trap(err);\n'],
	// A trap anywhere jco records one: the run export's and host import's
	// catch (markTrapped), a callback slice (_driverLoop's handleError), a
	// callee's first slice (_asyncStartCall's handleCalleeError) and the
	// deadlock detector.
	['trap-markTrapped',
		'      markTrapped(err) {\n',
		'      markTrapped(err) {\n        _cfTrap(err);\n'],
	['trap-driverLoop',
		'    const handleError = (err) => {\n',
		'    const handleError = (err) => {\n      _cfTrap(err);\n'],
	['trap-calleeError',
		'    const handleCalleeError = (err) => {\n',
		'    const handleCalleeError = (err) => {\n      _cfTrap(err);\n'],
	['trap-deadlock',
		'        STORE_TRAP.error = err;\n        for (const root of unresolvedRoots) {\n',
		'        STORE_TRAP.error = err;\n        _cfTrap(err);\n        for (const root of unresolvedRoots) {\n'],
	// Built-ins that may suspend cannot be wrapped from outside (a JS frame
	// would sit in the suspended stack): guard their JS halves here, so a
	// trap is seen where it is thrown.
	['guard-suspendingImport',
		'  function _suspendingImport(componentIdx, fn, syncOnly = false, switchesTask = false) {\n',
		'  function _suspendingImport(componentIdx, fn, syncOnly = false, switchesTask = false) {\n' +
		'    fn = _cfHooks.guardAsync(fn);\n'],
	['guard-conditional1',
		'  function _conditionalSuspending1I32ToI32(fast, slow) {\n',
		'  function _conditionalSuspending1I32ToI32(fast, slow) {\n' +
		'    fast = _cfHooks.guard(fast);\n    slow = _cfHooks.guardAsync(slow);\n'],
	['guard-conditional2',
		'  function _conditionalSuspending2I32ToI32(fast, slow) {\n',
		'  function _conditionalSuspending2I32ToI32(fast, slow) {\n' +
		'    fast = _cfHooks.guard(fast);\n    slow = _cfHooks.guardAsync(slow);\n'],
	// What `held` and idle detection read from a component's async state
	// (private fields, so a method inside the class).
	['state-view',
		'      isExclusivelyLocked() { return this.#lockHolderTaskID !== null; }\n',
		'      _cfView() {\n' +
		'        let suspended = 0;\n' +
		'        for (const meta of this.#suspendedTasksByTaskID.values()) { if (meta) suspended++; }\n' +
		'        return {\n' +
		'          lockHolder: this.#lockHolderTaskID,\n' +
		'          lockWaiters: this.#lockWaiters.length,\n' +
		'          lockHandoffScheduled: this.#lockHandoffScheduled,\n' +
		'          pendingTaskStarts: this.#pendingTaskStarts,\n' +
		'          suspended,\n' +
		'          tickLoop: this.#tickLoop !== null,\n' +
		'          backpressure: this.#backpressure,\n' +
		'          backpressureWaiters: Number(this.#backpressureWaiters),\n' +
		'          trapped: this.#trapped,\n' +
		'          errored: this.#errored !== null,\n' +
		'        };\n' +
		'      }\n' +
		'      isExclusivelyLocked() { return this.#lockHolderTaskID !== null; }\n'],
	// _debugLog reads process.env on every call (dozens per built-in);
	// read it once. Same behaviour unless JCO_DEBUG changes at run time.
	['debuglog-once',
		'  const _debugLog = (...args) => {\n    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }\n',
		'  const _cfDebug = !!globalThis?.process?.env?.JCO_DEBUG;\n' +
		'  const _debugLog = (...args) => {\n    if (!_cfDebug) { return; }\n'],
];

// ---- mutants: one planted bug each ----

export const MUTANTS = {
	cancel_not_delivered: {
		what: 'subtask.cancel of a started callee never passes TASK_CANCELLED to it ' +
			'(AsyncTask#requestCancellation leaves an entered task INITIAL)',
		anchor: '      if (this.#state === AsyncTask.State.INITIAL) {\n' +
			'        this.#state = AsyncTask.State.CANCEL_PENDING;\n' +
			'      }\n' +
			'      // Nudge the component',
		replacement: '      if (this.#state === AsyncTask.State.INITIAL && !this.#entered) {\n' +
			'        this.#state = AsyncTask.State.CANCEL_PENDING;\n' +
			'      }\n' +
			'      // Nudge the component',
	},
	event_not_coalesced: {
		what: 'a subtask\'s SUBTASK event carries the state it had when the progress ' +
			'happened, not the state at delivery (_asyncStartCall registerSubtaskProgress)',
		anchor: '    const registerSubtaskProgress = () => {\n' +
			'      subtask.setOnProgressFn(() => {\n' +
			'        subtask.setPendingEvent(() => {\n' +
			'          if (subtask.isResolved()) { subtask.deliverResolve(); }\n' +
			'          const event = {\n' +
			'            code: ASYNC_EVENT_CODE.SUBTASK,\n' +
			'            payload0: subtask.waitableRep(),\n' +
			'            payload1: subtask.getStateNumber(),\n',
		replacement: '    const registerSubtaskProgress = () => {\n' +
			'      subtask.setOnProgressFn(() => {\n' +
			'        const cfStale = subtask.getStateNumber();\n' +
			'        subtask.setPendingEvent(() => {\n' +
			'          if (subtask.isResolved()) { subtask.deliverResolve(); }\n' +
			'          const event = {\n' +
			'            code: ASYNC_EVENT_CODE.SUBTASK,\n' +
			'            payload0: subtask.waitableRep(),\n' +
			'            payload1: cfStale,\n',
	},
	result_after_cancel: {
		what: 'a cancelled callee (task.cancel) still lowers ok 0 into the caller\'s ' +
			'result slot (AsyncTask#cancel runs the fused return fn)',
		anchor: '      this.cancelled = true;\n' +
			'      // Cancelled tasks resolve with no value',
		replacement: '      this.cancelled = true;\n' +
			'      const cfMeta = this.#parentSubtask?.getCallMetadata();\n' +
			'      if (cfMeta?.returnFn && !cfMeta.returnFnCalled && this.#entered) {\n' +
			'        const cfCaller = this.#parentSubtask.getParentTask();\n' +
			'        _withGlobalCurrentTaskMeta({ taskID: cfCaller.id(), componentIdx: cfCaller.componentIdx(),\n' +
			'          fn: () => cfMeta.returnFn.apply(null, [0, 0, cfMeta.resultPtr]) });\n' +
			'        cfMeta.returnFnCalled = true;\n' +
			'      }\n' +
			'      // Cancelled tasks resolve with no value',
	},
	task_left_running: {
		what: 'a callback\'s EXIT is not processed: the task never exits, keeps its ' +
			'instance locked and a host call never settles (_driverLoop)',
		anchor: '          case 0: // EXIT\n' +
			'          _debugLog(\'[_driverLoop()] async exit indicated\', {\n' +
			'            fnName,\n' +
			'            componentIdx,\n' +
			'            callbackFnName,\n' +
			'            taskID: task.id()\n' +
			'          });\n' +
			'          task.exit({ skipExclusiveLockCheck: true });\n',
		replacement: '          case 0: // EXIT\n' +
			'          _debugLog(\'[_driverLoop()] async exit indicated\', {\n' +
			'            fnName,\n' +
			'            componentIdx,\n' +
			'            callbackFnName,\n' +
			'            taskID: task.id()\n' +
			'          });\n',
	},
};

function die(msg) {
	process.stderr.write(`build.mjs: error: ${msg}\n`);
	process.exit(1);
}

function count(text, needle) {
	let n = 0;
	for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1))
		n++;
	return n;
}

// Substitute `anchor` by `replacement`; the anchor must occur exactly once.
export function patchOnce(text, name, anchor, replacement) {
	const n = count(text, anchor);
	if (n !== 1)
		throw new Error(`patch '${name}': anchor found ${n} times, expected exactly once ` +
			`(jco's generated JS changed?); anchor begins: ${JSON.stringify(anchor.slice(0, 80))}`);
	return text.replace(anchor, () => replacement);
}

// The driver's view of the instance: the exports' jco component indexes,
// every core memory, and jco's own state tables.
function exposePatch(js, instances) {
	const runs = [];
	for (let i = 1; i < instances; i++)
		runs.push(`run${i}`);
	const anchor = `    return { ${runs.map((r) => r + ', ').join('')} };\n`;
	const memories = [...new Set([...js.matchAll(/\b(memory\d+) = exports\d+\.mem;/g)].map((m) => m[1]))];
	if (memories.length !== instances - 1)
		throw new Error(`patch 'expose': found ${memories.length} guest memories, expected ${instances - 1}`);
	const replacement = `    return { ${runs.map((r) => r + ', ').join('')}_cf: {\n` +
		`      memories: () => [${memories.join(', ')}],\n` +
		'      ASYNC_STATE, ASYNC_TASKS_BY_COMPONENT_IDX, STORE_TRAP, STORE_ASYNC_STATE,\n' +
		'      CURRENT_TASK_META, RepTable, AsyncTask, AsyncSubtask,\n' +
		'    } };\n';
	return patchOnce(js, 'expose', anchor, replacement);
}

// Instance i's run export enters jco component index componentIdx[i].
function componentIndexes(js, instances) {
	const map = {};
	for (let i = 1; i < instances; i++) {
		const re = new RegExp(`async function run${i}\\(arg0\\) \\{\\s*const hostProvided = false;\\s*` +
			'getOrCreateAsyncState\\((\\d+)\\)\\.throwIfTrapped\\(\\);', 'g');
		const found = [...js.matchAll(re)];
		if (found.length !== 1)
			throw new Error(`cannot find run${i}'s component index (${found.length} matches)`);
		map[i] = Number(found[0][1]);
	}
	return map;
}

async function build(outDir, mutant, instances) {
	const jco = await import('@bytecodealliance/jco');
	const pkg = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/@bytecodealliance/jco/package.json'), 'utf8'));
	if (pkg.version !== JCO_VERSION)
		die(`@bytecodealliance/jco is ${pkg.version}, expected ${JCO_VERSION} (run npm ci in ${here})`);
	const wat = guestWat(instances);
	const wasm = await jco.parse(wat);
	const { files } = await jco.transpile(wasm, {
		name: 'guest',
		asyncMode: 'jspi',
		instantiation: 'async',
		emitTypescriptDeclarations: false,
		quiet: true,
	});
	let js = Buffer.from(files['guest.js']).toString('utf8');
	const indexes = componentIndexes(js, instances);
	for (const [name, anchor, replacement] of BASE_PATCHES)
		js = patchOnce(js, name, anchor, replacement);
	js = exposePatch(js, instances);
	if (mutant) {
		const m = MUTANTS[mutant];
		js = patchOnce(js, `mutant ${mutant}`, m.anchor, m.replacement);
	}
	fs.rmSync(outDir, { recursive: true, force: true });
	fs.mkdirSync(outDir, { recursive: true });
	const coreFiles = [];
	for (const [name, bytes] of Object.entries(files)) {
		if (name === 'guest.js' || !name.endsWith('.wasm'))
			continue;
		fs.writeFileSync(path.join(outDir, name), bytes);
		coreFiles.push(name);
	}
	fs.writeFileSync(path.join(outDir, 'guest.js'), js);
	fs.writeFileSync(path.join(outDir, 'guest.wat'), wat);
	const manifest = {
		jco: JCO_VERSION,
		instances,
		mutant: mutant ?? null,
		componentIdx: indexes,
		coreFiles: coreFiles.sort(),
	};
	fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
	return outDir;
}

async function main() {
	const args = process.argv.slice(2);
	let out = path.resolve(here, '../../build-jco');
	let mutant = null;
	let instances = MAX_INSTANCES;
	for (let k = 0; k < args.length; k++) {
		const a = args[k];
		if (a === '--list-mutants') {
			for (const [name, m] of Object.entries(MUTANTS))
				process.stdout.write(`${name}\t${m.what}\n`);
			return;
		} else if (a === '--out' && k + 1 < args.length) {
			out = path.resolve(args[++k]);
		} else if (a === '--instances' && k + 1 < args.length) {
			instances = Number(args[++k]); // for measurements: the driver wants 8
		} else if (a === '--mutant' && k + 1 < args.length) {
			mutant = args[++k];
			if (!Object.hasOwn(MUTANTS, mutant))
				die(`unknown mutant '${mutant}' (--list-mutants names them)`);
		} else {
			die(`usage: node build.mjs [--out DIR] [--mutant NAME] | --list-mutants (bad argument '${a}')`);
		}
	}
	const dir = path.join(out, mutant ? `mutant-${mutant}` : 'guest');
	try {
		await build(dir, mutant, instances);
	} catch (err) {
		die(err.message);
	}
	process.stdout.write(`built ${path.relative(process.cwd(), dir) || dir}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
	await main();
