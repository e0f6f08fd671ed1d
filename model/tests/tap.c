/* tap.c - runs a registry of tests and reports them as TAP. */
#include "tap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The test in progress: where a failed assertion returns to. Test programs
 * are single-threaded and run one test at a time. */
static jmp_buf tap_escape;

void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	longjmp(tap_escape, 1);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int run_one(const struct tap_test *t, size_t number)
{
	int failed = setjmp(tap_escape);
	if (!failed)
		t->fn();
	printf("%s %zu - %s\n", failed ? "not ok" : "ok", number, t->name);
	fflush(stdout);
	return failed;
}

int tap_main(int argc, char **argv, const struct tap_test *tests, size_t n)
{
	int failures = 0;
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc > 1) {
		printf("1..%d\n", argc - 1);
		for (int a = 1; a < argc; a++) {
			size_t i = 0;
			while (i < n && strcmp(tests[i].name, argv[a]) != 0)
				i++;
			if (i == n) {
				printf("not ok %d - %s # no such test\n", a,
				       argv[a]);
				failures++;
				continue;
			}
			failures += run_one(&tests[i], (size_t)a);
		}
		return failures != 0;
	}
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++)
		failures += run_one(&tests[i], i + 1);
	return failures != 0;
}
