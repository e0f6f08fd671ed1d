/* proc.c - a target process and its line protocol (see proc.h). */
#define _POSIX_C_SOURCE 200809L
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cfh_proc {
	pid_t pid;
	int in, out, err;     /* our ends: its stdin, stdout, stderr */
	unsigned timeout_ms;
	char buf[4 * CFH_PROC_LINE]; /* bytes read, not yet a whole line */
	size_t len;
	char tail[CFH_PROC_STDERR];  /* standard error, oldest dropped */
	size_t tail_len;
	int status; /* from waitpid, once reaped */
	bool reaped;
	char exit_text[32];
};

const char *cfh_proc_status_text(enum cfh_proc_status s)
{
	switch (s) {
	case CFH_PROC_OK:
		return "ok";
	case CFH_PROC_EOF:
		return "the target exited or closed its output";
	case CFH_PROC_TIMEOUT:
		return "the target said nothing within the time limit";
	case CFH_PROC_LONG:
		return "the target sent a line too long for the protocol";
	case CFH_PROC_ERROR:
		return "the harness could not talk to the target";
	}
	return "?";
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct cfh_proc *cfh_proc_start(char *const argv[], unsigned timeout_ms,
                                char *err, size_t errsize)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
	struct cfh_proc *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	/* A write to a target that died must be a return code, not the
	 * harness killed by SIGPIPE: the process-wide disposition is the
	 * one thing this file changes outside itself. */
	struct sigaction ign = {0};
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);
	if (pipe(in) || pipe(out) || pipe(er)) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		goto fail;
	}
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(er[1], 2);
		for (int i = 0; i < 2; i++)
			close(in[i]), close(out[i]), close(er[i]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(er[1]);
	p->in = in[1];
	p->out = out[0];
	p->err = er[0];
	fcntl(p->in, F_SETFD, FD_CLOEXEC);
	fcntl(p->out, F_SETFD, FD_CLOEXEC);
	fcntl(p->err, F_SETFD, FD_CLOEXEC);
	fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK);
	fcntl(p->err, F_SETFL, fcntl(p->err, F_GETFL) | O_NONBLOCK);
	p->timeout_ms = timeout_ms;
	return p;
fail:
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&er[i]);
	}
	free(p);
	return NULL;
}

enum cfh_proc_status cfh_proc_send(struct cfh_proc *p, const char *line)
{
	char buf[CFH_PROC_LINE + 1];
	size_t n = strlen(line);
	if (n >= CFH_PROC_LINE)
		return CFH_PROC_LONG;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	for (size_t at = 0; at < n;) {
		ssize_t w = write(p->in, buf + at, n - at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == EPIPE ? CFH_PROC_EOF : CFH_PROC_ERROR;
		at += (size_t)w;
	}
	return CFH_PROC_OK;
}

/* Keeps the last CFH_PROC_STDERR - 1 bytes of standard error. */
static void drain_stderr(struct cfh_proc *p)
{
	char chunk[512];
	ssize_t r;
	while (p->err >= 0 && (r = read(p->err, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close_fd(&p->err);
			return;
		}
		/* A chunk always fits the tail: only older bytes make room. */
		_Static_assert(sizeof(chunk) < sizeof(p->tail) - 1,
		               "a chunk fits the tail");
		size_t n = (size_t)r, cap = sizeof(p->tail) - 1;
		if (p->tail_len + n > cap) {
			size_t drop = p->tail_len + n - cap;
			memmove(p->tail, p->tail + drop, p->tail_len - drop);
			p->tail_len -= drop;
		}
		memcpy(p->tail + p->tail_len, chunk, n);
		p->tail_len += n;
		p->tail[p->tail_len] = '\0';
	}
	close_fd(&p->err); /* end of file */
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes one line out of p->buf when there is one. */
static bool take_line(struct cfh_proc *p, char *out, size_t size,
                      enum cfh_proc_status *st)
{
	char *nl = memchr(p->buf, '\n', p->len);
	if (!nl) {
		if (p->len >= CFH_PROC_LINE) {
			*st = CFH_PROC_LONG;
			return true;
		}
		return false;
	}
	size_t n = (size_t)(nl - p->buf);
	if (n >= CFH_PROC_LINE || n >= size) {
		*st = CFH_PROC_LONG;
		return true;
	}
	memcpy(out, p->buf, n);
	out[n] = '\0';
	p->len -= n + 1;
	memmove(p->buf, nl + 1, p->len);
	*st = CFH_PROC_OK;
	return true;
}

enum cfh_proc_status cfh_proc_read(struct cfh_proc *p, char *out, size_t size)
{
	enum cfh_proc_status st;
	long long deadline = now_ms() + p->timeout_ms;
	for (;;) {
		if (take_line(p, out, size, &st))
			return st;
		if (p->out < 0)
			return CFH_PROC_EOF;
		long long left = deadline - now_ms();
		if (left <= 0)
			return CFH_PROC_TIMEOUT;
		struct pollfd fds[2] = {{p->out, POLLIN, 0},
		                        {p->err, POLLIN, 0}};
		int r = poll(fds, p->err >= 0 ? 2 : 1, (int)left);
		if (r < 0 && errno != EINTR)
			return CFH_PROC_ERROR;
		if (r <= 0)
			continue;
		if (p->err >= 0 && fds[1].revents)
			drain_stderr(p);
		if (!fds[0].revents)
			continue;
		ssize_t got = read(p->out, p->buf + p->len,
		                   sizeof(p->buf) - p->len);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			close_fd(&p->out);
			drain_stderr(p);
			continue; /* a last whole line may still be there */
		}
		p->len += (size_t)got;
	}
}

const char *cfh_proc_stderr(struct cfh_proc *p)
{
	drain_stderr(p);
	return p->tail;
}

static void reap(struct cfh_proc *p, bool block)
{
	if (p->reaped)
		return;
	if (waitpid(p->pid, &p->status, block ? 0 : WNOHANG) == p->pid)
		p->reaped = true;
}

const char *cfh_proc_exit_text(struct cfh_proc *p)
{
	/* A child that closed its output is usually exiting: give it up to
	 * a second to say how, rather than "running". */
	for (int k = 0; k < 100 && !p->reaped && p->out < 0; k++) {
		reap(p, false);
		if (!p->reaped)
			nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	reap(p, false);
	if (!p->reaped)
		return "running";
	if (WIFSIGNALED(p->status))
		snprintf(p->exit_text, sizeof(p->exit_text), "signal %d",
		         WTERMSIG(p->status));
	else
		snprintf(p->exit_text, sizeof(p->exit_text), "exit %d",
		         WEXITSTATUS(p->status));
	return p->exit_text;
}

void cfh_proc_stop(struct cfh_proc *p)
{
	if (!p)
		return;
	close_fd(&p->in);
	reap(p, false);
	if (!p->reaped) {
		kill(p->pid, SIGKILL);
		reap(p, true);
	}
	close_fd(&p->out);
	close_fd(&p->err);
	free(p);
}
