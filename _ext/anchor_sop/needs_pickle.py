"""sphinx-needs' needs and their records pickled as tuples, without a lookup per object.

Every build loads and saves the build environment, all needs included. Each
need holds three frozen, slotted dataclasses (its content, its source and its
links: ``NeedsContent``, ``NeedItemSourceUnknown``, ``NeedLink``), and Python
pickles such a dataclass through the generic ``__getstate__`` and
``__setstate__`` that :mod:`dataclasses` adds, which look up the class's
fields for every object. At 20,000 needs that was 0.3 s of saving and 0.2 s
of loading, in every build. The need itself (``NeedItem``, a slotted class)
pickles as a dictionary of its thirteen slots, made for each need: 0.16 s of
the 0.67 s its needs take to save.

:func:`setup_needs_pickle` registers a reducer (:mod:`copyreg`) for each
such class of ``sphinx_needs.need_item`` and for ``NeedItem``: the object's
field (or slot) values as one tuple (read by an :func:`operator.attrgetter`
made once per class) and :func:`_rebuild`, which sets them in the same order.
The object that comes back is the one the stock pickle gives: the same class,
the same fields.
"""

from __future__ import annotations

import copyreg
import dataclasses
import operator
import pickle
from collections import deque
from collections.abc import Callable
from functools import cache
from itertools import repeat
from typing import Any

from sphinx.application import Sphinx
from sphinx_needs import need_item


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A record's fields, or a slotted class's slots."""
    if dataclasses.is_dataclass(cls):
        return tuple(field.name for field in dataclasses.fields(cls))
    return tuple(cls.__slots__)


def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    """The object of ``cls`` with ``values`` in its fields (frozen: set as its
    own ``__setstate__`` does; a need: as pickle sets its slots)."""
    obj = object.__new__(cls)
    # the loop runs in C: 60,000 records at 20,000 needs
    deque(map(object.__setattr__, repeat(obj), _field_names(cls), values), maxlen=0)
    return obj


def _reducer(cls: type) -> Callable[[Any], tuple]:
    names = _field_names(cls)
    # attrgetter of one name gives the value itself, not a tuple of one
    values = (
        operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)
    )

    def reduce(obj: Any) -> tuple:
        try:
            return (_rebuild, (cls, values(obj)))
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


def setup_needs_pickle(_app: Sphinx) -> None:
    for cls in [*frozen_slotted_dataclasses(), need_item.NeedItem]:
        copyreg.pickle(cls, _reducer(cls))
