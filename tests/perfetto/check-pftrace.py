#!/usr/bin/env python3
"""check-pftrace.py - decode a traceit-convert -f perfetto file and check its rules.

Usage: check-pftrace.py MODULE_DIR TRACE [--events OUT] [--summary]

MODULE_DIR holds traceit_perfetto_pb2.py (protoc --python_out of traceit-perfetto.proto).
Checks, failing with a one-line message on stderr and exit status 1:
  - every packet decodes, compressed groups inflate (zlib);
  - every sequence but the run's own (1) starts each group with its incremental state
    cleared, with trace_packet_defaults and a snapshot of its incremental clock;
  - every interned id an event uses is defined on its sequence since the last clear;
  - slices nest: each END closes a BEGIN of its track;
  - every terminating flow id has exactly one source, written no later than it.
--events writes one line per slice or instant, sorted, as
  pid,tid,ts_ns,dur_ns,name,errno,fd,path,addr
with times relative to the ProcessTree packet (time 0 of the run).
--summary prints JSON: slices per name, flows, counters' maximum per (pid, name), sequences.
"""
import json
import sys
import zlib

CLEARED, NEEDS = 1, 2
BEGIN, END, INSTANT, COUNTER = 1, 2, 3, 4
MONOTONIC, SEQ_CLOCK = 3, 64


def fail(msg):
    sys.stderr.write("check-pftrace: %s\n" % msg)
    sys.exit(1)


def packets(pb2, data):
    trace = pb2.Trace()
    try:
        trace.ParseFromString(data)
    except Exception as e:  # noqa: BLE001 - any decode error is the finding
        fail("the file does not decode as a Trace: %s" % e)
    group = 0
    for p in trace.packet:
        if p.HasField("compressed_packets"):
            try:
                raw = zlib.decompress(p.compressed_packets)
            except zlib.error as e:
                fail("a compressed group does not inflate: %s" % e)
            if len(p.compressed_packets) >= 512 * 1024:
                fail("a compressed group of %d bytes (512 KB at most)" % len(p.compressed_packets))
            inner = pb2.Trace()
            inner.ParseFromString(raw)
            group += 1
            for q in inner.packet:
                yield group, q
            group += 1
        else:
            yield group, p


def main():
    if len(sys.argv) < 3:
        fail("usage: check-pftrace.py MODULE_DIR TRACE [--events OUT] [--summary]")
    sys.path.insert(0, sys.argv[1])
    import traceit_perfetto_pb2 as pb2  # noqa: E402

    data = open(sys.argv[2], "rb").read()
    events_out = None
    if "--events" in sys.argv:
        events_out = sys.argv[sys.argv.index("--events") + 1]

    seqs = {}  # id -> state
    tracks = {}  # uuid -> (pid, tid) or ('counter', parent, name)
    procs = {}  # process uuid -> pid
    base = None
    slices = []  # (pid, tid, ts, dur, name, args)
    open_ = {}  # track uuid -> stack of [ts, name, args, flows_in]
    flow_src = {}
    flow_in = []
    counters = {}
    names_count = {}
    thread_names = {}

    def st(seq):
        return seqs.setdefault(seq, {"cleared": False, "group": None, "clock": None,
                                     "uuid": None, "names": {}, "cats": {}, "keys": {},
                                     "strs": {}, "frames": {}, "stacks": {}, "fn": {},
                                     "maps": {}})

    order = 0
    for group, p in packets(pb2, data):
        order += 1
        seq = p.trusted_packet_sequence_id
        if not seq:
            fail("a packet without a sequence id")
        s = st(seq)
        if p.HasField("process_tree"):
            if base is None:
                base = p.timestamp
        if p.HasField("track_descriptor"):
            d = p.track_descriptor
            if d.HasField("process"):
                procs[d.uuid] = d.process.pid
                tracks[d.uuid] = ("process", d.process.pid)
            elif d.HasField("thread"):
                tracks[d.uuid] = ("thread", d.thread.pid, d.thread.tid)
                if d.thread.HasField("thread_name"):  # the last description names it
                    thread_names["%d/%d" % (d.thread.pid, d.thread.tid)] = d.thread.thread_name
            elif d.HasField("counter"):
                tracks[d.uuid] = ("counter", d.parent_uuid, d.name)
            elif d.parent_uuid in tracks and tracks[d.parent_uuid][0] == "thread":
                tracks[d.uuid] = tracks[d.parent_uuid]  # a track of the thread's
        if seq == 1:
            if p.HasField("track_event"):
                e = p.track_event
                if e.type == COUNTER:
                    t = tracks.get(e.track_uuid)
                    if not t:
                        fail("a counter on a track never described")
                    parent = tracks.get(t[1])
                    pid = parent[1] if parent else None
                    k = "%s/%s" % (pid, t[2])
                    v = e.double_counter_value if e.HasField("double_counter_value") \
                        else e.counter_value
                    counters[k] = max(counters.get(k, 0), v)
                elif e.type == BEGIN:
                    # an async span of the program's, on a track of its process
                    names_count[e.name] = names_count.get(e.name, 0) + 1
                elif e.type == INSTANT:
                    # on a process track: lost events, what was folded (not in --events)
                    names_count[e.name] = names_count.get(e.name, 0) + 1
            continue
        if p.sequence_flags & CLEARED:
            if not p.HasField("trace_packet_defaults") or not p.HasField("clock_snapshot"):
                fail("sequence %d clears its state without defaults and a clock snapshot" % seq)
            for k in ("names", "cats", "keys", "strs", "frames", "stacks", "fn", "maps"):
                s[k] = {}
            s["cleared"] = True
            s["group"] = group
            s["uuid"] = p.trace_packet_defaults.track_event_defaults.track_uuid
            clocks = {c.clock_id: c for c in p.clock_snapshot.clocks}
            if SEQ_CLOCK not in clocks or not clocks[SEQ_CLOCK].is_incremental:
                fail("sequence %d: no incremental clock in its snapshot" % seq)
            s["clock"] = clocks[SEQ_CLOCK].timestamp
            continue
        if not s["cleared"]:
            fail("sequence %d writes before clearing its state" % seq)
        if s["group"] != group:
            fail("sequence %d goes on in a new group without clearing its state" % seq)
        if not (p.sequence_flags & NEEDS):
            fail("sequence %d: a packet that uses its state without SEQ_NEEDS_INCREMENTAL_STATE" % seq)
        if p.HasField("timestamp_clock_id"):
            if p.timestamp_clock_id != MONOTONIC:
                fail("a packet on clock %d" % p.timestamp_clock_id)
            ts = p.timestamp
        else:
            s["clock"] += p.timestamp
            ts = s["clock"]
        i = p.interned_data
        for k, lst in (("names", i.event_names), ("cats", i.event_categories),
                       ("keys", i.debug_annotation_names)):
            for x in lst:
                s[k][x.iid] = x.name
        for x in i.debug_annotation_string_values:
            s["strs"][x.iid] = x.str.decode()
        for x in i.function_names:
            s["fn"][x.iid] = x.str.decode()
        for x in i.mappings:
            s["maps"][x.iid] = True
        for x in i.frames:
            if x.function_name_id not in s["fn"]:
                fail("a frame names a function never interned")
            if x.mapping_id not in s["maps"]:
                fail("a frame in a mapping never interned")
            s["frames"][x.iid] = s["fn"][x.function_name_id]
        for x in i.callstacks:
            for f in x.frame_ids:
                if f not in s["frames"]:
                    fail("a callstack names a frame never interned")
            s["stacks"][x.iid] = list(x.frame_ids)
        if not p.HasField("track_event"):
            fail("sequence %d: a packet with no track event" % seq)
        e = p.track_event
        uuid = e.track_uuid if e.HasField("track_uuid") else s["uuid"]
        t = tracks.get(uuid)
        if not t or t[0] != "thread":
            fail("an event on a track never described as a thread")
        if e.type in (BEGIN, INSTANT):
            # the program's annotations carry their own name (a string, not interned)
            if not e.HasField("name") and e.name_iid not in s["names"]:
                fail("name iid %d not interned on sequence %d" % (e.name_iid, seq))
            for c in e.category_iids:
                if c not in s["cats"]:
                    fail("category iid %d not interned" % c)
            if e.HasField("callstack_iid") and e.callstack_iid not in s["stacks"]:
                fail("callstack iid %d not interned" % e.callstack_iid)
            args = {}
            for a in e.debug_annotations:
                if a.name_iid not in s["keys"]:
                    fail("annotation name iid %d not interned" % a.name_iid)
                k = s["keys"][a.name_iid]
                if a.HasField("string_value_iid"):
                    if a.string_value_iid not in s["strs"]:
                        fail("string iid %d not interned" % a.string_value_iid)
                    args[k] = s["strs"][a.string_value_iid]
                elif a.HasField("pointer_value"):
                    args[k] = "0x%x" % a.pointer_value
                elif a.HasField("uint_value"):
                    args[k] = str(a.uint_value)
                elif a.HasField("int_value"):
                    args[k] = str(a.int_value)
                elif a.HasField("string_value"):
                    args[k] = a.string_value
                elif a.HasField("double_value"):
                    args[k] = repr(a.double_value)
            for f in e.flow_ids:
                flow_src.setdefault(f, []).append((ts, order))
            name = e.name if e.HasField("name") else s["names"][e.name_iid]
            if e.type == INSTANT:
                for f in e.terminating_flow_ids:
                    flow_in.append((f, order, ts))
                slices.append((t[1], t[2], ts, 0, name, args))
            else:
                open_.setdefault(uuid, []).append([ts, name, args])
        elif e.type == END:
            stack = open_.get(uuid)
            if not stack:
                fail("an END with no slice open on its track")
            b = stack.pop()
            if ts < b[0]:
                fail("a slice ends before it begins")
            for f in e.terminating_flow_ids:
                flow_in.append((f, order, ts))
            slices.append((t[1], t[2], b[0], ts - b[0], b[1], b[2]))
        else:
            fail("an event of type %d on a thread's sequence" % e.type)
    for uuid, stack in open_.items():
        if stack:
            fail("%d slices never ended" % len(stack))
    # as the trace processor reads them, in time order: a source opens its id, a terminating
    # id closes it; an id can be used again once closed (a pthread_t value, a pid)
    marks = [(ts, o, 0, f) for f, v in flow_src.items() for ts, o in v]
    marks += [(ts, o, 1, f) for f, o, ts in flow_in]
    active = set()
    flows = 0
    for ts, o, kind, f in sorted(marks):
        if kind == 0:
            if f in active:
                fail("flow id %x started again while open" % f)
            active.add(f)
        elif f in active:
            active.discard(f)
            flows += 1
    if base is None:
        base = 0
    for sl in slices:
        names_count[sl[4]] = names_count.get(sl[4], 0) + 1
    if events_out:
        with open(events_out, "w") as out:
            rows = []
            for pid, tid, ts, dur, name, args in slices:
                addr = args.get("addr", args.get("result", ""))
                if not addr.startswith("0x"):
                    addr = ""
                fd = args.get("fd", "")
                if name in ("open", "openat", "creat") and not args.get("errno"):
                    fd = args.get("result", "")  # the new descriptor, as the CSV's fd
                rows.append("%d,%d,%d,%d,%s,%s,%s,%s,%s" % (
                    pid, tid, ts - base, dur, name, args.get("errno", ""), fd,
                    args.get("path", ""), addr))
            out.write("".join(r + "\n" for r in sorted(rows)))
    if "--summary" in sys.argv:
        print(json.dumps({"slices": len(slices), "names": names_count, "flows": flows,
                          "counters": counters, "threads": thread_names,
                          "sequences": len([k for k in seqs if k != 1])}, sort_keys=True))


main()
