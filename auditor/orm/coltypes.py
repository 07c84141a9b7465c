"""Normalised column type names and the families the DB-* checks reason about.

Readers write lower-case names (integer, bigint, varchar, text, json, jsonb, numeric, float, double,
timestamp, timestamptz, date, boolean, uuid, ...). The migrations' replay may spell some differently, so
the families below accept the common variants.
"""
from __future__ import annotations

INTEGER_TYPES = frozenset({"integer", "int", "int2", "int4", "int8", "bigint", "smallint", "tinyint", "mediumint",
                           "serial", "bigserial", "smallserial", "biginteger", "smallinteger"})
TEXT_TYPES = frozenset({"text", "varchar", "char", "string", "character varying", "character", "nvarchar", "nchar",
                        "clob", "longtext", "mediumtext", "tinytext", "unicode", "unicodetext", "citext", "bpchar"})
FLOAT_TYPES = frozenset({"float", "real", "double", "double precision", "float4", "float8", "double_precision"})
NAIVE_TIMESTAMP_TYPES = frozenset({"timestamp", "datetime", "timestamp without time zone", "timestampntz",
                                   "datetime2", "smalldatetime"})
AWARE_TIMESTAMP_TYPES = frozenset({"timestamptz", "timestamp with time zone", "timestampltz", "datetimeoffset"})
JSON_TYPES = frozenset({"json", "jsonb"})
EXACT_NUMERIC_TYPES = frozenset({"numeric", "decimal", "money"})


def family(type_name: str) -> str:
    t = (type_name or "").lower().split("(")[0].strip()
    if t in INTEGER_TYPES:
        return "integer"
    if t in TEXT_TYPES:
        return "text"
    if t in FLOAT_TYPES:
        return "float"
    if t in NAIVE_TIMESTAMP_TYPES:
        return "naive_timestamp"
    if t in AWARE_TIMESTAMP_TYPES:
        return "aware_timestamp"
    if t in JSON_TYPES:
        return "json"
    if t in EXACT_NUMERIC_TYPES:
        return "exact_numeric"
    return "other"


# SQLAlchemy type class -> normalised name
SQLALCHEMY_TYPES = {
    "Integer": "integer", "INTEGER": "integer", "INT": "integer", "SmallInteger": "smallint", "SMALLINT": "smallint",
    "BigInteger": "bigint", "BIGINT": "bigint",
    "String": "varchar", "Unicode": "varchar", "VARCHAR": "varchar", "NVARCHAR": "varchar", "CHAR": "char",
    "Text": "text", "UnicodeText": "text", "TEXT": "text", "CLOB": "text", "CITEXT": "citext",
    "Float": "float", "FLOAT": "float", "REAL": "real", "Double": "double", "DOUBLE": "double",
    "DOUBLE_PRECISION": "double precision",
    "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "numeric", "Money": "money", "MONEY": "money",
    "DateTime": "timestamp", "DATETIME": "timestamp", "TIMESTAMP": "timestamp",
    "Date": "date", "DATE": "date", "Time": "time", "TIME": "time", "Interval": "interval", "INTERVAL": "interval",
    "Boolean": "boolean", "BOOLEAN": "boolean",
    "JSON": "json", "JSONB": "jsonb", "UUID": "uuid", "Uuid": "uuid",
    "Enum": "enum", "ENUM": "enum", "LargeBinary": "blob", "BLOB": "blob", "BYTEA": "blob",
    "ARRAY": "array", "INET": "inet",
}

# Python annotation (Mapped[...]) -> normalised name, SQLAlchemy 2.0's default type map
PYTHON_ANNOTATION_TYPES = {
    "int": "integer", "str": "varchar", "float": "float", "bool": "boolean", "bytes": "blob",
    "Decimal": "numeric", "decimal.Decimal": "numeric", "datetime": "timestamp", "datetime.datetime": "timestamp",
    "date": "date", "datetime.date": "date", "time": "time", "datetime.time": "time",
    "timedelta": "interval", "datetime.timedelta": "interval", "UUID": "uuid", "uuid.UUID": "uuid",
}

# Django field class -> normalised name (DateTimeField is resolved with USE_TZ)
DJANGO_TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
    "IntegerField": "integer", "BigIntegerField": "bigint", "SmallIntegerField": "smallint",
    "PositiveIntegerField": "integer", "PositiveBigIntegerField": "bigint", "PositiveSmallIntegerField": "smallint",
    "CharField": "varchar", "SlugField": "varchar", "EmailField": "varchar", "URLField": "varchar",
    "FileField": "varchar", "ImageField": "varchar", "FilePathField": "varchar",
    "TextField": "text", "JSONField": "json", "DecimalField": "numeric", "FloatField": "float",
    "DateField": "date", "TimeField": "time", "DurationField": "interval", "BooleanField": "boolean",
    "NullBooleanField": "boolean", "UUIDField": "uuid", "BinaryField": "blob",
    "GenericIPAddressField": "inet", "IPAddressField": "inet",
    "ForeignKey": "integer", "OneToOneField": "integer",
}
