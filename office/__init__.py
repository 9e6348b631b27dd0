"""duban (督办): the monthly reporting cycle of a district supervision office."""

__version__ = "0.1.0"
