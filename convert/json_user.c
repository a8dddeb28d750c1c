/*
 * json_user.c - the JSON output of the program's annotations (traceit.h): spans, async spans,
 * instants, counters and the switches of tracing, named by the program.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsontime.h"

/*
 * The program's annotations (traceit.h): named by the program, in its own categories.  Spans
 * are slices of their thread; async spans are "b"/"n"/"e" events of their id, local to the
 * process; counters are "C" events of the process; a switch of tracing is an instant of the
 * process.  Never folded away: they are few, and they are what the program asked to see.
 */
static void tt_json_user_head(struct tt_out *o, const char *name, const char *cat, const char *ph)
{
	char *p;

	tt_out_puts(o, "{\"name\":");
	tt_out_json_str(o, name ? name : "(unnamed)");
	if (cat) {
		tt_out_puts(o, ",\"cat\":");
		tt_out_json_str(o, cat);
	}
	p = tt_out_reserve(o, 64);
	p = TT_LIT(p, ",\"ph\":\"");
	p = tt_fmt_lit(p, ph, strlen(ph));
	p = TT_LIT(p, "\",\"ts\":");
	tt_out_commit(o, p);
}

static void tt_json_user_args(struct tt_out *o, const char *text)
{
	/* "key=value,key=value" (api.c): keys are plain, values integers */
	tt_out_puts(o, ",\"args\":{");
	for (const char *k = text; k && *k;) {
		const char *eq = strchr(k, '='), *comma = strchr(k, ',');

		if (!eq || (comma && comma < eq))
			break;
		tt_out_printf(o, "%s\"%.*s\":%.*s", k == text ? "" : ",", (int)(eq - k), k,
			      (int)(comma ? comma - eq - 1 : (long)strlen(eq + 1)), eq + 1);
		k = comma ? comma + 1 : NULL;
	}
	tt_out_puts(o, "}");
}

/* jt->ids ends with the opening of "args", which the annotations write themselves */
#define TT_ARGS_OPEN (sizeof(",\"args\":{") - 1)

void tt_json_user(struct tt_json *j, const struct tt_event *ev, struct tt_jthread *jt)
{
	struct tt_out *o = j->out;
	const char *name = ev->args[0].str, *cat = ev->args[1].str;
	char *p;

	switch (ev->type) {
	case TT_EV_SPAN:
		tt_json_user_head(o, name, cat ? cat : "user", "X");
		p = tt_out_reserve(o, 128);
		p = tt_jtime_slice(p, &jt->time, ev->start_ns, ev->end_ns);
		p = tt_fmt_lit(p, jt->ids, jt->idslen - TT_ARGS_OPEN);
		tt_out_commit(o, p);
		if (ev->args[2].u)
			tt_out_puts(o, ",\"args\":{\"unfinished\":1}");
		break;
	case TT_EV_ASYNC_BEGIN:
	case TT_EV_ASYNC_INSTANT:
	case TT_EV_ASYNC_END:
		tt_json_user_head(o, name, cat ? cat : "user",
				  ev->type == TT_EV_ASYNC_BEGIN ? "b"
				  : ev->type == TT_EV_ASYNC_END ? "e"
								: "n");
		p = tt_out_reserve(o, 128);
		p = tt_fmt_us(p, ev->end_ns); /* an end's start is its begin's (annot.c) */
		p = tt_fmt_lit(p, jt->ids, jt->idslen - TT_ARGS_OPEN);
		tt_out_commit(o, p);
		tt_out_printf(o, ",\"id2\":{\"local\":\"0x%llx\"}",
			      (unsigned long long)ev->args[2].u);
		break;
	case TT_EV_MARK:
		tt_json_user_head(o, name, cat ? cat : "user", "i");
		p = tt_out_reserve(o, 128);
		p = tt_fmt_us(p, ev->start_ns);
		p = TT_LIT(p, ",\"s\":\"t\"");
		p = tt_fmt_lit(p, jt->ids, jt->idslen - TT_ARGS_OPEN);
		tt_out_commit(o, p);
		if (ev->args[2].str && *ev->args[2].str)
			tt_json_user_args(o, ev->args[2].str);
		break;
	case TT_EV_COUNTER:
	case TT_EV_COUNTER_F: {
		double v;

		if (ev->type == TT_EV_COUNTER)
			v = (double)ev->args[1].s;
		else
			memcpy(&v, &ev->args[1].u, sizeof(v));
		tt_json_user_head(o, name, NULL, "C");
		p = tt_out_reserve(o, 64);
		p = tt_fmt_us(p, ev->start_ns);
		tt_out_commit(o, p);
		tt_out_printf(o, ",\"pid\":%u,\"args\":{\"value\":%.17g}", ev->file->pid,
			      isfinite(v) ? v : 0.0);
		break;
	}
	default: /* TT_EV_TRACING */
		tt_json_user_head(o, ev->args[0].u ? "tracing on" : "tracing off", "user", "i");
		p = tt_out_reserve(o, 64);
		p = tt_fmt_us(p, ev->start_ns);
		p = TT_LIT(p, ",\"s\":\"p\"");
		tt_out_commit(o, p);
		tt_out_printf(o, ",\"pid\":%u,\"args\":{\"window\":%llu}", ev->file->pid,
			      (unsigned long long)ev->args[1].u);
		break;
	}
	tt_out_puts(o, "}");
}
