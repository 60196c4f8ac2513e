"""What the operators' management commands share: a bad argument answered in one
Indonesian sentence with exit status 1, never argparse's English usage dump."""

import sys

from django.core.management.base import CommandError
from django.utils.translation import override


class ArgumentErrorsInOneSentence:
    """Mix into a ``BaseCommand``; ``argument_error_text(message)`` turns argparse's
    ``message`` into the sentence (called in Indonesian)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = lambda message: self._argument_error(parser, message)
        return parser

    def argument_error_text(self, message):
        raise NotImplementedError

    def _argument_error(self, parser, message):
        with override("id"):
            text = self.argument_error_text(message)
        if not parser.called_from_command_line:
            raise CommandError(text)
        self.stderr.write(f"CommandError: {text}")
        sys.exit(1)
