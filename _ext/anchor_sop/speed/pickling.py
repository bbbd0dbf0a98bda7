"""sphinx-needs' needs and their records pickled as tuples, without a lookup per object.

Each need holds three frozen, slotted dataclasses (its content, its source and
its links: ``NeedsContent``, ``NeedItemSourceUnknown``, ``NeedLink``), and
Python pickles such a dataclass through the generic ``__getstate__`` and
``__setstate__`` that :mod:`dataclasses` adds, which look up the class's
fields for every object. The need itself (``NeedItem``, a slotted class)
pickles as a dictionary of its slots, made for each need.

:func:`dumps` pickles with a pickler of its own whose dispatch table (never
the process's :mod:`copyreg` table) reduces each such class of
``sphinx_needs.need_item`` to its field (or slot) names and values, two
tuples, and :func:`_rebuild`, which sets them. The names are pickled once per
class (the pickler's memo) and checked as the object is made again: a field
that a sphinx-needs release added, removed or reordered makes loading fail
(the environment is then read again from the pages), never a value in the
wrong field. The object that comes back is the one the stock pickle gives.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import operator
import pickle
from collections import deque
from collections.abc import Callable
from functools import cache
from itertools import repeat
from typing import Any

from sphinx_needs import need_item


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A record's fields, or a slotted class's slots."""
    if dataclasses.is_dataclass(cls):
        return tuple(field.name for field in dataclasses.fields(cls))
    return tuple(cls.__slots__)


class FieldsChanged(pickle.UnpicklingError):
    """The class of a pickled record has other fields than when it was pickled."""


def _rebuild(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """The object of ``cls`` with ``values`` in its fields ``names`` (frozen: set as
    its own ``__setstate__`` does; a need: as pickle sets its slots)."""
    if names != _field_names(cls):
        raise FieldsChanged(
            f"{cls.__qualname__} was pickled with the fields {names}, "
            f"and has {_field_names(cls)} now"
        )
    obj = object.__new__(cls)
    deque(map(object.__setattr__, repeat(obj), names, values), maxlen=0)
    return obj


def _reducer(cls: type) -> Callable[[Any], tuple]:
    names = _field_names(cls)
    # attrgetter of one name gives the value itself, not a tuple of one
    values = (
        operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)
    )

    def reduce(obj: Any) -> tuple:
        try:
            return (_rebuild, (cls, names, values(obj)))
        except AttributeError:  # a slot never set: pickled as Python does
            return object.__reduce_ex__(obj, pickle.HIGHEST_PROTOCOL)

    return reduce


def frozen_slotted_dataclasses() -> list[type]:
    """The classes of ``sphinx_needs.need_item`` that pickle through dataclasses'
    generic state functions."""
    return [
        cls
        for cls in vars(need_item).values()
        if isinstance(cls, type)
        and cls.__module__ == need_item.__name__
        and dataclasses.is_dataclass(cls)
        and cls.__dataclass_params__.frozen
        and "__slots__" in cls.__dict__
    ]


@cache
def dispatch_table() -> dict[type, Callable]:
    """The process's reducers, with those of the needs' classes added (a copy)."""
    table = dict(copyreg.dispatch_table)
    for cls in [*frozen_slotted_dataclasses(), need_item.NeedItem]:
        table[cls] = _reducer(cls)
    return table


def dumps(value: Any) -> bytes:
    """``pickle.dumps(value)``, with the needs' records pickled as tuples."""
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = dispatch_table()
    pickler.dump(value)
    return stream.getvalue()
