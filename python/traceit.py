"""traceit - annotate a Python program for the traceit profiler.

Spans, async spans, instants and counters of the program's own units of work, on the same
timeline as the allocations, locks and I/O traceit records beneath them.  The calls go to
libtraceit.so through ctypes when the program runs under traceit (``traceit -- python3
prog.py``); otherwise every call does nothing, and the module costs one attribute test.

    import traceit

    with traceit.span("handle request", category="http"):
        ...

    @traceit.trace_function
    async def fetch(url): ...

See traceit.h(3) for what each call records and how the converter shows it.
"""

import ctypes
import functools
import inspect

__all__ = [
    "span", "trace_function", "begin_span", "end_span", "async_begin", "async_instant",
    "async_end", "instant", "counter", "thread_name", "enable", "disable", "is_enabled",
    "new_window", "loaded",
]


def _find():
    """The preloaded library's entry points, or None when traceit is not there."""
    try:
        lib = ctypes.CDLL(None)  # the process's own symbols: a preload is among them
        lib.traceit_span_begin  # noqa: B018 - raises AttributeError when absent
    except (OSError, AttributeError):
        return None
    s, u64, ll, dbl = ctypes.c_char_p, ctypes.c_uint64, ctypes.c_longlong, ctypes.c_double
    for name, args, res in (
        ("traceit_span_begin", [s, s], None),
        ("traceit_span_end", [], None),
        ("traceit_span_start", [s, s], u64),
        ("traceit_span_finish", [u64], None),
        ("traceit_async_begin", [s, s, u64], None),
        ("traceit_async_instant", [s, s, u64], None),
        ("traceit_async_end", [s, s, u64], None),
        ("traceit_instant", [s, s], None),
        ("traceit_instant_args", [s, s, ctypes.c_int, ctypes.POINTER(s), ctypes.POINTER(ll)],
         None),
        ("traceit_counter", [s, ll], None),
        ("traceit_counter_double", [s, dbl], None),
        ("traceit_thread_name", [s], None),
        ("traceit_enable", [], None),
        ("traceit_disable", [], None),
        ("traceit_is_enabled", [], ctypes.c_int),
        ("traceit_new_window", [], None),
    ):
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = res
    return lib


_lib = _find()
loaded = _lib is not None
"""Whether the program runs under traceit (the calls record something)."""


def _b(text):
    if text is None:
        return None
    return text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)


class span:
    """A span on the calling thread, as a context manager: ``with traceit.span("work"):``."""

    __slots__ = ("name", "category")

    def __init__(self, name, category=None):
        self.name = _b(name)
        self.category = _b(category)

    def __enter__(self):
        if _lib:
            _lib.traceit_span_begin(self.category, self.name)
        return self

    def __exit__(self, *exc):
        if _lib:
            _lib.traceit_span_end()
        return False


def trace_function(fn=None, *, name=None, category=None):
    """Decorates a function with a span of its name.  A coroutine function gets an async
    span instead, which may end on another thread and does not nest with the other
    coroutines its thread runs meanwhile.  ``@trace_function`` or
    ``@trace_function(name=..., category=...)``."""
    if fn is None:
        return lambda f: trace_function(f, name=name, category=category)
    label = _b(name or getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "function"))
    cat = _b(category)
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def acall(*args, **kwargs):
            if not _lib:
                return await fn(*args, **kwargs)
            sid = _lib.traceit_span_start(cat, label)
            try:
                return await fn(*args, **kwargs)
            finally:
                _lib.traceit_span_finish(sid)
        return acall

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if not _lib:
            return fn(*args, **kwargs)
        _lib.traceit_span_begin(cat, label)
        try:
            return fn(*args, **kwargs)
        finally:
            _lib.traceit_span_end()
    return call


def begin_span(name, category=None):
    """Begins a span that may end on another thread; returns its id for end_span."""
    return _lib.traceit_span_start(_b(category), _b(name)) if _lib else 0


def end_span(span_id):
    if _lib and span_id:
        _lib.traceit_span_finish(span_id)


def async_begin(name, span_id, category=None):
    """Async work by the program's own id (an int below 2**63), on any threads."""
    if _lib:
        _lib.traceit_async_begin(_b(category), _b(name), span_id)


def async_instant(name, span_id, category=None):
    if _lib:
        _lib.traceit_async_instant(_b(category), _b(name), span_id)


def async_end(name, span_id, category=None):
    if _lib:
        _lib.traceit_async_end(_b(category), _b(name), span_id)


def instant(name, category=None, **args):
    """A moment, with up to 8 integer arguments: ``instant("cache miss", key=3)``."""
    if not _lib:
        return
    if not args:
        _lib.traceit_instant(_b(category), _b(name))
        return
    items = list(args.items())[:8]
    keys = (ctypes.c_char_p * len(items))(*[_b(k) for k, _ in items])
    values = (ctypes.c_longlong * len(items))(*[int(v) for _, v in items])
    _lib.traceit_instant_args(_b(category), _b(name), len(items), keys, values)


def counter(name, value):
    """A value over time (int or float): one counter track per name."""
    if not _lib:
        return
    if isinstance(value, int) and -2**63 <= value < 2**63:
        _lib.traceit_counter(_b(name), value)
    else:
        _lib.traceit_counter_double(_b(name), float(value))


def thread_name(name):
    """The calling thread's name in the trace."""
    if _lib:
        _lib.traceit_thread_name(_b(name))


def enable():
    """Tracing on: a new window begins (traceit-convert --window=N keeps one)."""
    if _lib:
        _lib.traceit_enable()


def disable():
    """Tracing off: every call passes straight through until enable()."""
    if _lib:
        _lib.traceit_disable()


def is_enabled():
    return bool(_lib and _lib.traceit_is_enabled())


def new_window():
    """Starts a new window now, tracing on."""
    if _lib:
        _lib.traceit_new_window()
