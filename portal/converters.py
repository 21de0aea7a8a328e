"""Path converters for every urls file: ``<id:case_id>`` for a row's id.

Importing this module registers them (Django keeps one converter registry per process, and a
converter must be registered before the first route naming it is built): the root URLconf imports
it before it includes the apps' urls.
"""

from django.urls import register_converter

# Every id is a BigAutoField: a signed 64-bit integer in SQLite and PostgreSQL alike.
BIGINT_MAX = 2**63 - 1


class IdConverter:
    """A row's id: up to 19 digits whose value a signed 64-bit integer holds, 0 to 2**63 - 1.

    Django's ``<int:...>`` takes any run of digits, so a URL could carry an id that no row can
    have. Django range-checks an integer compared with a column of the model queried
    (``pk=``, ``id__gt=``), but not one compared through a relation (``escalations=``,
    ``case_id=``), and SQLite's driver cannot bind it: OverflowError, a 500. With this converter
    such a URL matches no route, and answers 404 before any view or query runs.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > BIGINT_MAX:
            # ValueError: the URL resolver takes it as "this route does not match".
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")
