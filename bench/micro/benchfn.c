/*
 * benchfn.c - libbenchfn.so, the function the hot-path microbenchmark calls.
 *
 * bench_noop does nothing, in a shared library so that a preloaded library can interpose
 * it: calling it costs exactly what an interposed call costs besides its wrapper.
 */
int bench_noop(int x)
{
	return x;
}
