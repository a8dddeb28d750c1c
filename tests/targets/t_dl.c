/*
 * t_dl: dlopen and dlclose, the ways programs name a library.
 *	t_dl LIB	LIB: the path of the test library (libttdl.so, next to t_dl)
 * By the path given; a library that does not exist; by bare name, found only through t_dl's
 * RUNPATH ($ORIGIN); as "$ORIGIN/libttdl.so"; and the program itself (NULL).  Each library
 * handle is closed before the next open, so that every open has to find the file again.
 * Exits non-zero on any unexpected result, dlerror included.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(int code, const char *what)
{
	const char *err = dlerror();

	fprintf(stderr, "t_dl: %s: %s\n", what, err ? err : "no dlerror");
	exit(code);
}

/* open, call, close: dlerror must be clear after each success */
static void use(const char *name, int mode, int code)
{
	void *h = dlopen(name, mode);

	if (!h)
		fail(code, name);
	if (dlerror())
		fail(code + 1, "dlerror left set after a successful dlopen");
	int (*answer)(void) = (int (*)(void))dlsym(h, "ttdl_answer");

	if (!answer || answer() != 42)
		fail(code + 2, "ttdl_answer");
	if (dlclose(h) != 0)
		fail(code + 3, "dlclose");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	use(argv[1], RTLD_NOW, 10);
	if (dlopen("libtraceit-test-missing.so", RTLD_LAZY))
		return 20;
	if (!dlerror())
		return 21;
	use("libttdl.so", RTLD_LAZY, 30);
	use("$ORIGIN/libttdl.so", RTLD_LAZY, 40);

	void *self = dlopen(NULL, RTLD_LAZY);

	if (!self || dlclose(self) != 0)
		fail(50, "dlopen(NULL)");
	puts("dl ok");
	return 0;
}
