"""Text that goes into email headers."""


def single_line(text: str) -> str:
    """``text`` on one line: every run of whitespace, line breaks included, becomes one space.

    str.split() splits on CR, LF and the other Unicode line separators (VT, FF, NEL, U+2028,
    U+2029...), so what case subjects and organization or people's names bring into a subject
    can never start a header of its own (email header injection).
    """
    return " ".join(text.split())
