/* targets.h - the targets the harness knows by name, and their commands.
 *
 *   jco      the jco runtime (harness/jco/): the project's Node with JSPI
 *            running harness/jco/driver.mjs on the guest built by
 *            scripts/lib/jco-setup.sh (build-jco/guest under the source
 *            tree, or under $CANCELFUZZ_JCO_BUILD; a mutant's guest is
 *            build-jco/mutant-NAME)
 *   example  cancelfuzz-example-target, the minimal example target: the cm
 *            model itself behind the protocol (harness/example_target.c)
 *
 * $CANCELFUZZ_TARGET_CMD, when set, replaces the command of any target
 * (words split at spaces), for a runtime of your own.
 */
#ifndef CFH_TARGETS_H
#define CFH_TARGETS_H

#include <stddef.h>

#define CFH_TARGET_MAX_ARGS 16

struct cfh_target_cmd {
	char *argv[CFH_TARGET_MAX_ARGS + 1];
	char store[4096];
};

/* Fills cmd for target `name` (with a planted bug `mutant`, or NULL).
 * Returns 0, or -1 with err filled (an unknown name, a target not built). */
int cfh_target_resolve(const char *name, const char *mutant,
                       struct cfh_target_cmd *cmd, char *err, size_t errsize);

#endif /* CFH_TARGETS_H */
