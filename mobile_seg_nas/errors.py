"""The error every package raises for input a user can fix."""


class UserInputError(ValueError):
    """Bad input from a user: the message is one line saying what, where and how to fix.

    The `nas` CLI prints the message and exits with code 2; it never shows a traceback.
    """


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of an error's message (its type's name when it has none), for messages
    that must stay one line."""
    text = str(error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__
