"""The error every package raises for input a user can fix."""


class UserInputError(ValueError):
    """Bad input from a user: the message is one line saying what, where and how to fix.

    The `nas` CLI prints the message and exits with code 2; it never shows a traceback.
    """
