/*
 * input.h - turning the command line's INPUT arguments into stream files in memory.
 */
#ifndef TT_INPUT_H
#define TT_INPUT_H

#include "model.h"

/*
 * Expands args: a file stays itself, a directory becomes its regular files whose names end
 * in ".trc", sorted by name (not recursive).  Problems (a directory that cannot be read or
 * holds no stream) are printed as errors.  Returns the list, *n its length; free with
 * tt_inputs_free().
 */
char **tt_inputs_expand(char *const *args, int nargs, size_t *n);
void tt_inputs_free(char **names, size_t n);

/*
 * A struct tt_file per name, each mapped (one that cannot be is left with data NULL, its
 * error printed); *total: their bytes.  tt_inputs_close unmaps and frees them and names.
 */
struct tt_file **tt_inputs_open(char **names, size_t n, uint64_t *total);
void tt_inputs_close(struct tt_file **files, char **names, size_t n);

/* Maps f->name into f->data / f->size.  Returns 0, or -1 with the error printed. */
int tt_input_map(struct tt_file *f);
void tt_input_unmap(struct tt_file *f);

#endif /* TT_INPUT_H */
