"""The per-column aggregate functions of ``T_aggregate_fields`` and ``T_aggregate_order_by``, as Hasura names them.

One registry read by the output types (``T_<fn>_fields``), the order-by inputs
(``T_<fn>_order_by``), the compiler and the denial finder; the SQL side checks the
same names against ``runtime.data.select.AGGREGATE_SQL``.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.graphql.scalars import FIELD_SCALARS, NUMERIC_TYPES, ORDERED_TYPES


@dataclass(frozen=True)
class AggregateFunction:
    """``columns``: the field types it applies to; ``result``: its GraphQL scalar, or None for the column's own."""

    columns: frozenset[str]
    result: str | None

    def scalar_for(self, field_type: str) -> str:
        return self.result or FIELD_SCALARS[field_type]  # type: ignore[index]


_STATISTIC = AggregateFunction(NUMERIC_TYPES, "Float")

AGGREGATE_FUNCTIONS: dict[str, AggregateFunction] = {
    "sum": AggregateFunction(NUMERIC_TYPES, "numeric"),
    "avg": _STATISTIC,
    "max": AggregateFunction(ORDERED_TYPES, None),
    "min": AggregateFunction(ORDERED_TYPES, None),
    "stddev": _STATISTIC,
    "stddev_pop": _STATISTIC,
    "stddev_samp": _STATISTIC,
    "variance": _STATISTIC,
    "var_pop": _STATISTIC,
    "var_samp": _STATISTIC,
}
