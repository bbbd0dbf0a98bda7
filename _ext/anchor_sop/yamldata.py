"""YAML that authors write as data (the matrix, the Statement of Applicability, the
catalogs), read safely and with libyaml's parser when PyYAML has it.

The large statements are several times faster to read with libyaml; both loaders
give the same nodes, marks and values, and raise the same :class:`yaml.YAMLError`.
"""

from __future__ import annotations

import yaml

#: The safe loader, libyaml's where PyYAML was built with it.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str) -> yaml.Node | None:
    """The node tree of ``text``: each node knows the line it starts on."""
    return yaml.compose(text, Loader=LOADER)


def load(text: str) -> object:
    return yaml.load(text, Loader=LOADER)


def construct(node: yaml.Node) -> object:
    """The value of a node from :func:`compose`."""
    return LOADER("").construct_object(node, deep=True)
