/* proc.h - a target process and its line protocol (harness/PROTOCOL.md).
 *
 * The harness writes lines to the child's standard input and reads lines
 * from its standard output, with a time limit on every read. What goes
 * wrong is said by the return code, never by a crash of the harness: the
 * child died or closed its output (CFH_PROC_EOF), said nothing in time
 * (CFH_PROC_TIMEOUT) or sent a line too long to be one (CFH_PROC_LONG).
 * The child's standard error is captured in a small ring so a report can
 * show its last words.
 */
#ifndef CFH_PROC_H
#define CFH_PROC_H

#include <stddef.h>

#define CFH_PROC_LINE 256    /* longest line, with its '\n' */
#define CFH_PROC_STDERR 2048 /* the tail of standard error kept */

enum cfh_proc_status {
	CFH_PROC_OK,
	CFH_PROC_EOF,     /* the child exited or closed its output */
	CFH_PROC_TIMEOUT, /* no whole line within the limit */
	CFH_PROC_LONG,    /* a line longer than CFH_PROC_LINE - 1 */
	CFH_PROC_ERROR,   /* the harness could not start or talk to it */
};

struct cfh_proc;

/* Starts argv[0] with argv (NULL-terminated), searching PATH. Returns NULL
 * and fills err when it cannot. timeout_ms bounds every read. */
struct cfh_proc *cfh_proc_start(char *const argv[], unsigned timeout_ms,
                                char *err, size_t errsize);

/* Writes one line (the '\n' is added). */
enum cfh_proc_status cfh_proc_send(struct cfh_proc *p, const char *line);

/* Reads one line into buf (without its '\n'). */
enum cfh_proc_status cfh_proc_read(struct cfh_proc *p, char *buf,
                                   size_t size);

/* The tail of the child's standard error so far ("" when none). */
const char *cfh_proc_stderr(struct cfh_proc *p);

/* How the child ended, as text ("exit 2", "signal 11"), once it has;
 * "running" before. */
const char *cfh_proc_exit_text(struct cfh_proc *p);

/* Kills the child if it still runs, reaps it and frees p; NULL is fine. */
void cfh_proc_stop(struct cfh_proc *p);

const char *cfh_proc_status_text(enum cfh_proc_status s);

#endif /* CFH_PROC_H */
