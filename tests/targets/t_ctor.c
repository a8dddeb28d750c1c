/*
 * t_ctor: a program whose own constructor calls wrapped functions, and which loads and
 * unloads a library in a loop (argv[1]: the library, argv[2]: how many times).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void ctor(void)
{
	int fd = open("/dev/null", O_WRONLY);

	free(malloc(9003));
	if (fd >= 0) {
		if (write(fd, "x", 1) != 1)
			abort();
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	for (int i = 0; i < n; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);

		if (!h) {
			fprintf(stderr, "t_ctor: %s\n", dlerror());
			return 1;
		}
		free(malloc(9004));
		if (dlclose(h))
			return 2;
	}
	printf("ok\n");
	return 0;
}
