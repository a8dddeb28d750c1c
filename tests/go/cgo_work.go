// cgo_work: a Go program that calls into C (so libc, and the preload, are linked), makes a
// known number of allocations there, and ends as every Go program does: the runtime's raw
// exit_group system call, with no atexit handler and no destructor run.
package main

/*
#include <stdlib.h>

static void work(int n)
{
	for (int i = 0; i < n; i++) {
		void *volatile p = malloc(12345);

		free(p);
	}
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: cgo_work N")
		os.Exit(2)
	}
	C.work(C.int(n))
	fmt.Println("done", n)
	os.Exit(0)
}
