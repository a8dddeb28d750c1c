/* t_exec: a failing exec, then exec of PROGRAM ARGS through the function named by argv[1]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *how = argv[1];

	free(malloc(5001));
	if (execv("/nonexistent/traceit-test", argv) != -1 || errno != ENOENT)
		return 1;
	if (!strcmp(how, "execve"))
		execve(argv[2], argv + 2, environ);
	else if (!strcmp(how, "execv"))
		execv(argv[2], argv + 2);
	else if (!strcmp(how, "execvp"))
		execvp(argv[2], argv + 2);
	else if (!strcmp(how, "execvpe"))
		execvpe(argv[2], argv + 2, environ);
	else if (!strcmp(how, "execl"))
		execl(argv[2], argv[2], argv[3], (char *)NULL);
	else if (!strcmp(how, "execlp"))
		execlp(argv[2], argv[2], argv[3], (char *)NULL);
	else if (!strcmp(how, "execle"))
		execle(argv[2], argv[2], argv[3], (char *)NULL, environ);
	return 2;
}
