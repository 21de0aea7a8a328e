"""The API's JSON parser: DRF's, refusing a body nested deeper than any request of the portal is.

Python's json decoder recurses once per level of arrays and objects, and raises RecursionError
(not the ValueError DRF turns into a 400) at about a thousand levels, wherever the limit of the
stack happens to be. So the depth is counted first, in one linear pass over the text, and a body
nested too deeply is refused with ParseError (400 ``parse_error``) before the decoder, the
serializers or the error handler ever walk it.
"""

import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# The deepest a body may be: the portal's bodies are flat objects (one level), and 32 leaves room
# for any client's wrapping while staying far below the interpreter's recursion limit.
MAX_DEPTH = 32

# What is not nesting: a JSON string, from its opening quote to its closing one (or to the end of
# a truncated body), or a run of anything but brackets and quotes. A string always matches where
# it starts, so the text is read once; what is left is the brackets outside strings.
_NOT_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[^\[\]{}"]+', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest: 0 for a scalar, 1 for ``[1, 2]``.

    Linear in the text, in C loops (about 50 ms for 256 KiB of brackets). Malformed text
    (unbalanced brackets, an open string) gets some number: the decoder refuses it afterwards.
    """
    return max(accumulate(map(_STEP.__getitem__, _NOT_NESTING.sub("", text))), default=0)


def is_nested_deeper_than(text: str, max_depth: int) -> bool:
    """Whether JSON ``text`` nests more than ``max_depth`` levels.

    Text with no more than ``max_depth`` brackets opening, every request the portal expects,
    is not scanned.
    """
    return text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser, with the nesting of a body bounded to ``max_depth`` before it is decoded."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except ValueError as exc:  # UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from exc
        if is_nested_deeper_than(text, self.max_depth):
            raise ParseError(
                f"The JSON body is nested too deeply: at most {self.max_depth} levels of arrays and objects "
                "are accepted."
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
