"""SuiteQL → SQLite translation, checked against the account's catalog as NetSuite checks it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import DISPLAY_REFERENCES, REFERENCING_RECORDS, Catalog, CatalogError
from .db import COLUMNS

# Oracle keywords SuiteQL accepts; every other bare word is an identifier and gets quoted,
# because NetSuite names such as `transaction` are SQLite keywords.
KEYWORDS = frozenset(
    [
        "select",
        "from",
        "where",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "as",
        "join",
        "inner",
        "left",
        "right",
        "outer",
        "full",
        "cross",
        "on",
        "order",
        "by",
        "asc",
        "desc",
        "group",
        "having",
        "distinct",
        "like",
        "escape",
        "between",
        "case",
        "when",
        "then",
        "else",
        "end",
        "union",
        "all",
        "exists",
        "nulls",
        "first",
        "last",
        "intersect",
        "minus",
        "except",
    ]
)
# SuiteQL function name → SQLite function name.
FUNCTIONS = {
    "nvl": "ifnull",
    "to_char": "ns_to_char",
    "to_timestamp": "ns_to_datetime",
    "to_date": "ns_to_datetime",
    "to_number": "ns_to_number",
    "lower": "lower",
    "upper": "upper",
    "min": "min",
    "max": "max",
    "count": "count",
    "sum": "sum",
    "avg": "avg",
    "coalesce": "coalesce",
    "round": "round",
    "abs": "abs",
    "length": "length",
    "substr": "substr",
    "trim": "trim",
    "ltrim": "ltrim",
    "rtrim": "rtrim",
    "replace": "replace",
    "instr": "instr",
    "nullif": "nullif",
}
# Pseudo-columns that read the account-local clock.
PSEUDO_COLUMNS = {"sysdate": "ns_now()", "current_date": "ns_now()", "systimestamp": "ns_now()"}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"[^"]*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$#]*)
  | (?P<op>\|\||<>|!=|>=|<=|[=<>(),.*+\-/?])
  | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class SuiteQLError(CatalogError):
    """A query NetSuite would refuse (400 INVALID_PARAMETER unless told otherwise)."""


def tokenize(sql: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _TOKEN_RE.finditer(sql):
        kind = match.lastgroup or "bad"
        if kind == "bad":
            raise SuiteQLError(f"Unexpected character {match.group()!r}.")
        if kind != "ws":
            tokens.append((kind, match.group()))
    return tokens


def translate(sql: str) -> str:
    """Rewrite one SuiteQL SELECT as SQLite SQL; raises SuiteQLError for anything else."""
    return translate_with_count(sql).sql


@dataclass
class Shape:
    """Where a query's names point: its table references, aliases and select aliases."""

    refs: list[tuple[str, str | None]] = field(default_factory=list)  # (table, alias)
    aliases: dict[str, str] = field(default_factory=dict)  # qualifier → table
    derived: set[str] = field(default_factory=set)  # aliases of sub-queries in FROM
    named: set[int] = field(default_factory=set)  # token indexes of table names and aliases
    select_aliases: set[str] = field(default_factory=set)

    @property
    def tables(self) -> list[str]:
        return [table for table, _ in self.refs]

    def qualifier(self, table: str) -> str:
        return next((alias or t for t, alias in self.refs if t == table), table)

    def listing(self, catalog: Catalog | None) -> list[str]:
        """The fields a name could have meant, qualified when several records are joined."""
        several = len(self.refs) > 1
        return [
            f"{alias or table}.{col}" if several else col
            for table, alias in self.refs
            for col in _fields(catalog, table)
        ]


@dataclass
class Translation:
    sql: str
    count_sql: str
    shape: Shape
    catalog: Catalog | None = None

    def explain(self, exc: Exception) -> CatalogError | None:
        """SQLite's complaint about a name, as NetSuite words it (None when it is not one)."""
        match = re.match(r"no such column: (\S+)", str(exc))
        if not match:
            return None
        name = match.group(1).replace("`", "").replace('"', "")
        qualifier, _, column = name.rpartition(".")
        if qualifier:
            table = self.shape.aliases.get(qualifier)
            if table is None:
                return _unknown_qualifier(qualifier, self.shape)
            return _catalog(self.catalog).missing_field(table, column)
        return Catalog.unknown_identifier(column, self.shape.listing(self.catalog))


def translate_with_count(sql: str, catalog: Catalog | None = None) -> Translation:
    """The SQLite query and a cheap query counting its rows (for `totalResults`). With a
    catalog, every record and field the query names is checked against the account first."""
    tokens = tokenize(sql.strip().rstrip(";"))
    if not tokens or tokens[0][1].lower() != "select":
        raise SuiteQLError("Only SELECT statements are supported.")
    shape = analyze(tokens)
    if catalog is not None:
        check(tokens, shape, catalog)
    out: list[str] = []
    skip_until = -1
    for i, (kind, text) in enumerate(tokens):
        if i <= skip_until:
            out.append("")
            continue
        special = (
            _display_value(tokens, i, shape, catalog)
            or _star(tokens, i, shape, catalog)
            or _native_to_char(tokens, i)
        )
        if special:
            expr, skip_until = special
            out.append(expr)
            continue
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        prev = tokens[i - 1][1] if i else ""
        out.append(_translate_token(kind, text, nxt, prev))
    return Translation(" ".join(o for o in out if o), _count_sql(tokens, out), shape, catalog)


# --- names: which records a query reads and what each identifier points at ------------------


def _name(token: tuple[str, str]) -> str:
    kind, text = token
    return text[1:-1].lower() if kind == "quoted" else text.lower()


def _is_name(token: tuple[str, str]) -> bool:
    kind, text = token
    return kind == "quoted" or (kind == "word" and text.lower() not in KEYWORDS)


def analyze(tokens: list[tuple[str, str]]) -> Shape:
    shape = Shape()
    more_tables: set[int] = set()  # a "," that continues a FROM list after a sub-query
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        low = text.lower()
        if (kind == "word" and low in ("from", "join")) or i in more_tables:
            i = _table_list(tokens, i + 1, low != "join", shape, more_tables)
            continue
        if kind == "word" and low == "as" and i + 1 < len(tokens) and _is_name(tokens[i + 1]):
            shape.select_aliases.add(_name(tokens[i + 1]))
        i += 1
    return shape


def _table_list(tokens, j: int, commas: bool, shape: Shape, more_tables: set[int]) -> int:
    """Read `table [AS] [alias] [, ...]` from j; returns where scanning resumes."""
    while j < len(tokens):
        if tokens[j][1] == "(":  # a sub-query: scan inside it, remember its alias
            close = _matching(tokens, j)
            alias, after = _alias(tokens, close + 1, shape)
            if alias:
                shape.derived.add(alias)
            if commas and after < len(tokens) and tokens[after][1] == ",":
                more_tables.add(after)
            return j + 1
        if not _is_name(tokens[j]):
            return j
        table = _name(tokens[j])
        shape.named.add(j)
        alias, j = _alias(tokens, j + 1, shape)
        shape.refs.append((table, alias))
        shape.aliases[alias or table] = table
        if not (commas and j < len(tokens) and tokens[j][1] == ","):
            return j
        j += 1
    return j


def _alias(tokens, k: int, shape: Shape) -> tuple[str | None, int]:
    if k < len(tokens) and tokens[k][1].lower() == "as" and k + 1 < len(tokens):
        k += 1
    if k < len(tokens) and _is_name(tokens[k]) and tokens[k][1] != "(":
        shape.named.add(k)
        return _name(tokens[k]), k + 1
    return None, k


def _matching(tokens, j: int) -> int:
    depth = 0
    for k in range(j, len(tokens)):
        depth += tokens[k][1] == "("
        depth -= tokens[k][1] == ")"
        if depth == 0:
            return k
    return len(tokens) - 1


def _references(tokens, shape: Shape):
    """(index, qualifier or None, field) for every field the query names."""
    for i, token in enumerate(tokens):
        if i in shape.named or not _is_name(token):
            continue
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        prev = tokens[i - 1][1] if i else ""
        low = _name(token)
        if prev == "." or nxt == "(" or (token[0] == "word" and low == "builtin"):
            continue
        if nxt == "." and i + 2 < len(tokens):
            column = tokens[i + 2]
            yield i, low, "*" if column[1] == "*" else _name(column)
        elif low not in PSEUDO_COLUMNS:
            yield i, None, low


def check(tokens, shape: Shape, catalog: Catalog) -> None:
    """Refuse what NetSuite refuses before running anything."""
    for table in shape.tables:
        catalog.check_record(table)
    if "transaction" in shape.tables and _counts_rows(tokens):
        # Refused live over `transaction`; COUNT(id) works (reference §9).
        raise SuiteQLError("Invalid or unsupported search")
    for _, qualifier, column in _references(tokens, shape):
        if qualifier is not None:
            if qualifier in shape.derived:
                continue
            table = shape.aliases.get(qualifier)
            if table is None:
                raise _unknown_qualifier(qualifier, shape)
            if column != "*" and not catalog.has_field(table, column):
                raise catalog.missing_field(table, column)
        elif column not in shape.select_aliases:
            _check_bare(column, shape, catalog)


def _check_bare(column: str, shape: Shape, catalog: Catalog) -> None:
    tables = shape.tables
    if any(catalog.has_field(t, column) for t in tables):
        return
    explained = [t for t in tables if catalog.explains(t, column)]
    if explained and not shape.derived:
        raise catalog.missing_field(explained[0], column)
    if any(column in _physical(t) for t in tables):  # sandbox bookkeeping, not a field
        raise Catalog.unknown_identifier(column, shape.listing(catalog))
    # Anything else may be an alias without AS: SQLite decides, `explain` words its answer.


def _counts_rows(tokens) -> bool:
    return any(
        tokens[i][1].lower() == "count" and [t[1] for t in tokens[i + 1 : i + 4]] == ["(", "*", ")"]
        for i in range(len(tokens))
    )


def _unknown_qualifier(qualifier: str, shape: Shape) -> CatalogError:
    known = [f"{alias or table}={table}" for table, alias in shape.refs]
    return Catalog.unknown_identifier(qualifier, known)


def _physical(table: str) -> list[str]:
    return COLUMNS.get(table, "").split()


def _fields(catalog: Catalog | None, table: str) -> tuple[str, ...]:
    if catalog is None:
        return tuple(_physical(table))
    return catalog.fields.get(table, ())


def _catalog(catalog: Catalog | None) -> Catalog:
    if catalog is None:
        from .config import SandboxConfig

        return Catalog.for_config(SandboxConfig())
    return catalog


def _display_value(tokens, i: int, shape: Shape, catalog: Catalog | None):
    """BUILTIN.DF(field): the label or the referenced record's name, not the raw value."""
    words = [t[1].lower() for t in tokens[i : i + 4]]
    if words != ["builtin", ".", "df", "("]:
        return None
    close = _matching(tokens, i + 3)
    arg = tokens[i + 4 : close]
    if len(arg) == 1 and _is_name(arg[0]):
        qualifier, column = None, _name(arg[0])
    elif len(arg) == 3 and arg[1][1] == "." and _is_name(arg[0]) and _is_name(arg[2]):
        qualifier, column = _name(arg[0]), _name(arg[2])
    else:
        return None  # an expression: its value is its display value
    if qualifier is None:
        table = next((t for t in shape.tables if column in _fields(catalog, t)), None)
        qualifier = shape.qualifier(table) if table else None
    else:
        table = shape.aliases.get(qualifier)
    if table is None or qualifier is None:
        return None
    value = f"`{qualifier}`.`{column}`"
    if table in REFERENCING_RECORDS and column in DISPLAY_REFERENCES:
        record, display = DISPLAY_REFERENCES[column]
        expr = f"(SELECT `{display}` FROM `{record}` WHERE `id` = {value})"
    elif table == "transaction" and column == "status":
        expr = f"ns_df_status(`{qualifier}`.`type`, {value})"
    elif table == "transaction" and column == "type":
        expr = f"ns_df_type({value})"
    elif column == "approvalstatus":
        expr = f"ns_df_approval({value})"
    else:
        expr = f"ns_df({value})"
    return expr, close


def _star(tokens, i: int, shape: Shape, catalog: Catalog | None):
    """`*` and `alias.*` list the account's fields, never the sandbox's bookkeeping."""
    if catalog is None:
        return None
    prev = tokens[i - 1][1].lower() if i else ""
    if tokens[i][1] == "*" and prev in ("select", "distinct", ","):
        if len(shape.refs) != 1 or shape.derived:
            return None
        table, alias = shape.refs[0]
        cols = ", ".join(f"`{alias or table}`.`{c}`" for c in catalog.fields[table])
        return cols, i
    if _is_name(tokens[i]) and [t[1] for t in tokens[i + 1 : i + 3]] == [".", "*"]:
        table = shape.aliases.get(_name(tokens[i]))
        if table is None:
            return None
        qualifier = _name(tokens[i])
        return ", ".join(f"`{qualifier}`.`{c}`" for c in catalog.fields[table]), i + 2
    return None


# TO_CHAR(column, <one of the two formats every client uses>) in native SQLite, so a page's
# thousands of values need no Python call: only for a value that is stored ISO text which
# SQLite's own calendar reads back unchanged (a real date, a year from 1000 so that four digits
# are four digits either way), the exact text `functions.to_char` gives it; anything else
# (numbers, NULL, blobs, other text, impossible dates) still goes to ns_to_char, errors and all.
_ISO_DAY = "[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
_ISO_MOMENT = f"{_ISO_DAY} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_NATIVE_TO_CHAR = {
    "YYYY-MM-DD": (
        "CASE WHEN typeof({x}) = 'text' AND ({x} GLOB '{moment}' AND datetime({x}, '+0 days') = {x}"
        " OR {x} GLOB '{day}' AND date({x}, '+0 days') = {x}) THEN substr({x}, 1, 10)"
        " ELSE ns_to_char({x}, '{fmt}') END"
    ),
    "YYYY-MM-DD HH24:MI:SS": (
        "CASE WHEN typeof({x}) = 'text' AND {x} GLOB '{moment}'"
        " AND datetime({x}, '+0 days') = {x} THEN {x}"
        " WHEN typeof({x}) = 'text' AND {x} GLOB '{day}' AND date({x}, '+0 days') = {x}"
        " THEN {x} || ' 00:00:00' ELSE ns_to_char({x}, '{fmt}') END"
    ),
}
_PLAIN_NAME = re.compile(r"`[^`]+`")


def _native_to_char(tokens, i: int):
    """TO_CHAR(name | qualifier.name, 'YYYY-MM-DD' | 'YYYY-MM-DD HH24:MI:SS') → _NATIVE_TO_CHAR."""
    if tokens[i][0] != "word" or tokens[i][1].lower() != "to_char":
        return None
    if i and tokens[i - 1][1] == ".":
        return None
    if len(tokens) < i + 6 or tokens[i + 1][1] != "(":
        return None
    comma = next((k for k in (i + 3, i + 5) if k < len(tokens) and tokens[k][1] == ","), None)
    if comma is None or comma + 2 >= len(tokens) or tokens[comma + 2][1] != ")":
        return None
    kind, literal = tokens[comma + 1]
    template = _NATIVE_TO_CHAR.get(literal[1:-1]) if kind == "string" else None
    arg = tokens[i + 2 : comma]
    if template is None or not all(_is_name(t) for t in arg[::2]):
        return None
    if len(arg) == 3 and arg[1][1] != ".":
        return None
    parts = [
        _translate_token(kind, text, tokens[k + 1][1], tokens[k - 1][1])
        for k, (kind, text) in enumerate(arg, start=i + 2)
    ]
    names = parts[::2]
    if not all(_PLAIN_NAME.fullmatch(p) for p in names) or _name(arg[0]) in PSEUDO_COLUMNS:
        return None
    x = " . ".join(names)
    expr = template.format(x=x, moment=_ISO_MOMENT, day=_ISO_DAY, fmt=literal[1:-1])
    return f"( {expr} )", comma + 2


_AGGREGATES = {"min", "max", "count", "sum", "avg"}
_SET_OPERATORS = {"union", "intersect", "minus", "except", "group", "having"}


def _count_sql(tokens: list[tuple[str, str]], out: list[str]) -> str:
    """Count without ORDER BY and, when row count allows, without the select list: evaluating
    TO_CHAR for every matching row just to count them is what makes big windows slow."""
    top = [i for i, depth in enumerate(_depths(tokens)) if depth == 0]
    words = {i: tokens[i][1].lower() for i in top if tokens[i][0] == "word"}
    order = next((i for i in top if words.get(i) == "order"), len(tokens))
    body = " ".join(out[:order])
    start = next((i for i in top if i and words.get(i) == "from"), None)
    selected = {t[1].lower() for t in tokens[1 : start or 0] if t[0] == "word"}
    if (
        start is None
        or selected & (_AGGREGATES | {"distinct"})
        or _SET_OPERATORS & set(words.values())
    ):
        return f"SELECT COUNT(*) FROM ({body})"
    return f"SELECT COUNT(*) FROM (SELECT 1 {' '.join(out[start:order])})"


def _depths(tokens: list[tuple[str, str]]) -> list[int]:
    depths, depth = [], 0
    for _, text in tokens:
        depth -= text == ")"
        depths.append(depth)
        depth += text == "("
    return depths


def _translate_token(kind: str, text: str, nxt: str, prev: str) -> str:
    if kind == "word":
        low = text.lower()
        if low == "builtin" and nxt == ".":
            return ""  # BUILTIN.DF of an expression → ns_df(x): the value itself
        if prev == "." and low == "df":
            return "ns_df"
        if low in KEYWORDS:
            return low.upper()
        if nxt == "(" and low in FUNCTIONS:
            return FUNCTIONS[low]
        if nxt == "(":
            raise SuiteQLError(f"Unknown function {text.upper()}.")
        if low in PSEUDO_COLUMNS and prev != ".":
            return PSEUDO_COLUMNS[low]
        # Backticks, not double quotes: SQLite reads an unknown "name" as a string literal.
        return f"`{low}`"  # identifiers are case-insensitive in SuiteQL
    if kind == "quoted":
        return f"`{text[1:-1].lower()}`"
    if kind == "op" and text == "/":
        return "* 1.0 /"  # Oracle division is never integer division
    if kind == "op" and text == "." and prev.lower() == "builtin":
        return ""
    if kind == "op" and text == "!=":
        return "<>"
    return text


def normalize_param(value):
    """Bind params as NetSuite reads them: booleans as T/F, everything else as sent."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, int | float | str) or value is None:
        return value
    raise SuiteQLError(f"Unsupported parameter value {value!r}.")
