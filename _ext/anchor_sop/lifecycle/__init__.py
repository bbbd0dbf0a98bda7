"""The life of each document: review dates, statuses, and the register pages."""

from sphinx.application import Sphinx

from .registers import setup_registers
from .reviews import setup_reviews


def setup_lifecycle(app: Sphinx) -> None:
    setup_reviews(app)
    setup_registers(app)
