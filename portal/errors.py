class DomainError(Exception):
    """A rule said no. ``code`` and ``status`` are what the API answers with; pages show ``detail``."""

    code = "invalid"
    status = 400

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """Field errors, keyed by field name, each a sentence."""

    code = "invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), errors=errors)
        self.errors = errors
