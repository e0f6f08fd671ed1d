/* scenario.h - JSON scenarios: explicit operation lists with their setup,
 * expected results and expected finding, read and written as text.
 *
 * Format version 1, one object:
 *
 *   {"cancelfuzz": 1, "title": "...", "origin": "...", "mutant": "...",
 *    "config": {"instances": 4, "max_tasks": 32, "max_handles": 16,
 *               "max_resources": 4, "max_keys": 4,
 *               "features": ["shared", "deadlines", "resources",
 *                            "backpressure", "misuse"]},
 *    "ops": [{"actor": "host", "op": "call", "instance": 1,
 *             "result": "STARTED h1 T1"}, ...],
 *    "expect": "none"}
 *
 * "cancelfuzz" and "ops" are required; the rest default as above (all five
 * features, expect "none"). An op is {"actor": "host" | "T<id>", "op":
 * <cfm_opcode_name()>, its arguments, optional "result"}; the arguments are
 * call: "instance", optional "shared" (key) and "deadline" (d);
 * subtask.cancel, subtask.drop: "handle"; task.return: "kind" ("ok" or
 * "err") and "value"; wait: "cancellable"; resource.drop: "resource";
 * backpressure: "instance", "delta"; tick: "n"; run: "k". A call's slot
 * is its 1-based index among the scenario's calls. Any other key, anywhere,
 * is an error. Every error names its place: "file:line:column: message",
 * and the first one wins.
 *
 * "profile": "cm" (default "contract") reads the ops as the cm profile's
 * (model/cfm_cm.h): op names from CFM_CM_OPCODES; arguments "instance"
 * (call), "handle" (subtask.cancel, subtask.drop, waitable.join), "set"
 * (wait, waitable-set.wait/poll/drop, waitable.join), "kind" and "value"
 * (task.return), "k" (run). A "result" there is an observed outcome: the
 * check accepts it when the spec allows it at that step and follows it.
 * What stays contract-only (shared producers, deadlines, resources, tick,
 * the contract's backpressure op and its features) is a located error.
 *
 * "target": "jco" (or any target name; it needs "profile": "cm") makes the
 * scenario a script for a real runtime (remote.h): its ops are the
 * harness's decisions, in order, without results and without `run` (what
 * the runtime's scheduler does is its own); "choices" is a hex string of
 * the runtime's random choices; "expect" names a target finding
 * (cfh_remote_finding_name(): "none", "divergence", "late_publication",
 * ...).
 */
#ifndef CFH_SCENARIO_H
#define CFH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfm.h"
#include "cfm_cm.h"
#include "decode.h"
#include "engine.h"

#define CFH_SCENARIO_VERSION 1

/* A located error, as jansson's json_error_t. line and column are 1-based
 * (the column counts characters, not bytes); both are 0 for an error that
 * has no place in the text (a file that cannot be read). */
struct cfh_json_error {
	char file[256];
	int line, column;
	char text[256];
};

/* One scenario. Strings are NULL when absent; results has nops entries,
 * each NULL or the text cfm_result_format() must give for that op. */
struct cfh_scenario {
	int version;
	char *title, *origin;
	char *mutant; /* kept and written back; the mutants use it */
	struct cfh_setup setup;
	struct cfm_op *ops;
	bool cm;                /* "profile": "cm" */
	char *target;           /* "target", NULL for the model alone */
	uint8_t *choices;       /* "choices", with a target */
	size_t nchoices;
	int expect_target;      /* with a target: enum cfh_remote_finding */
	struct cfm_cm_op *cm_ops; /* with cm: the ops (ops is then unused) */
	char **results;
	size_t nops;
	enum cfh_class expect;
	/* Where it was read from, to locate later errors (a result that does
	 * not match, an op the binary format cannot express); NULL for a
	 * scenario made in memory. */
	char *file;
	char *source;
	size_t source_len;
};

/* "file:line:column: text" (or "file: text" without a place) into buf. */
char *cfh_json_error_format(const struct cfh_json_error *e, char *buf,
                            size_t size);

/* Reads the scenario in text[0..len), which came from `file` (used in
 * errors only). Returns 0, or -1 with *err filled and *s left empty (safe
 * to free). */
int cfh_scenario_parse(const char *text, size_t len, const char *file,
                       struct cfh_scenario *s, struct cfh_json_error *err);

/* Reads the scenario in the file at path, as cfh_scenario_parse(). */
int cfh_scenario_load(const char *path, struct cfh_scenario *s,
                      struct cfh_json_error *err);

/* Reads the whole file at path into *out (malloc'd, NUL-terminated; the
 * caller frees) and its size into *len. Returns 0, or -1 with *err filled
 * (no place: "cannot open: ...", "too large ..."). */
int cfh_file_read(const char *path, char **out, size_t *len,
                  struct cfh_json_error *err);

/* Writes s as pretty JSON (2-space indent, one op per line) that reads back
 * as the same scenario. Returns 0, or -1 on a write error. */
int cfh_scenario_write(FILE *out, const struct cfh_scenario *s);

/* Frees what s holds and zeroes it. */
void cfh_scenario_free(struct cfh_scenario *s);

/* Runs s's ops on a bare model and compares each op's result text with its
 * expected "result". Returns 0 if all match, 1 with *err filled ("op 7:
 * expected 'X', the model gives 'Y'", located at that "result") for the
 * first that does not, -1 (with *err) if the config is refused or memory
 * is short. */
int cfh_scenario_check_results(const struct cfh_scenario *s,
                               struct cfh_json_error *err);

/* A cm scenario checked by refinement: each op's "result", when present,
 * must be one of the outcomes the spec allows there, and the run follows
 * it; without one, "k" (run) or 0 picks. With out, every step is printed:
 * "N. OP => OUTCOME", and "   allowed {A | B}" where there was a choice.
 * Returns 0, or 1 with *err ("op 4: 'X' is not allowed here; the spec
 * allows {A | B}", located at that result), or -1 with *err. */
int cfh_scenario_check_cm(const struct cfh_scenario *s, FILE *out,
                          struct cfh_json_error *err);

/* The binary input (decode.h) that decodes to s's setup and ops. Returns
 * 0 with *out (malloc'd, the caller frees) and *size set, or -1 with *err
 * filled: the config or an op the format cannot express, located. */
int cfh_scenario_encode(const struct cfh_scenario *s, uint8_t **out,
                        size_t *size, struct cfh_json_error *err);

/* The scenario a binary input decodes to, against a bare model: its setup,
 * its ops with the model's results, title "decoded from <basename of
 * name>", origin "binary input <FNV-1a hash>", expect none. Returns 0, or
 * -1 if memory is short (s is left empty). */
int cfh_scenario_from_binary(const uint8_t *data, size_t size,
                             const char *name, struct cfh_scenario *s);

/* A target scenario (s->target set) as the scripted input of remote.h:
 * its config, choices and one decision line per op. Returns 0 with *in
 * filled and *lines (malloc'd, each line too; free with
 * cfh_scenario_target_free) set, or -1 if memory is short. */
struct cfh_remote_input;
int cfh_scenario_target_input(const struct cfh_scenario *s,
                              struct cfh_remote_input *in, char ***lines);
void cfh_scenario_target_free(char **lines, size_t n);

/* FNV-1a, 64 bits, of data[0..size). */
uint64_t cfh_fnv1a(const void *data, size_t size);

/* The place of the value at path in the JSON text[0..len): path is a
 * sequence of object keys and array indexes, "ops[3].op",
 * "config.features[0]", "" for the whole document (keys are taken up to the
 * next '.' or '['). Returns true and sets *line and *column (1-based,
 * characters), or false if the text has no such value. Any text is safe,
 * valid JSON or not. */
bool cfh_json_locate(const char *text, size_t len, const char *path,
                     int *line, int *column);

/* The same for the key `key` (compared after unescaping) of the object at
 * path: where the key's string starts. */
bool cfh_json_locate_key(const char *text, size_t len, const char *path,
                         const char *key, int *line, int *column);

#endif /* CFH_SCENARIO_H */
