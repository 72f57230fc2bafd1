"""newsetl: Chinese industry-policy news pages -> a DuckDB warehouse."""

from newsetl import native as _native

# The compiled text core (build/native/, `make` builds it) when it matches these sources;
# the sources otherwise. Must run before any text-core module is imported.
_native.activate()
