/* libttdl.so: the library t_dl opens */
int ttdl_answer(void);

int ttdl_answer(void)
{
	return 42;
}
