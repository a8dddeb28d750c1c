/*
 * small_rw.c - benchmark workload: many small writes and reads on a pipe.
 *
 * One thread writes 64 bytes into a pipe and reads them back, 500 k times by default: 1 M
 * recorded calls, each a real system call, the cheapest kind of I/O a program can make.
 *
 * Usage: small_rw [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 500000;
	unsigned char out[64], in[64];
	unsigned long sum = 0;
	int fd[2];

	if (pipe(fd)) {
		perror("small_rw: pipe");
		return 1;
	}
	memset(out, 'x', sizeof(out));
	for (unsigned long i = 0; i < rounds; i++) {
		out[0] = (unsigned char)i;
		if (write(fd[1], out, sizeof(out)) != sizeof(out) ||
		    read(fd[0], in, sizeof(in)) != sizeof(in)) {
			perror("small_rw: pipe I/O");
			return 1;
		}
		sum += in[0];
	}
	close(fd[0]);
	close(fd[1]);
	return sum == (unsigned long)-1;
}
