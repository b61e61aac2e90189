"""The `nearpeer` command: Django's management commands, with the project's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    if args[:2] == ["osce", "rotation"]:
        # A pure computation: runs without settings, so without a SECRET_KEY or database.
        from nearpeer.osce.cli import rotation_main

        sys.exit(rotation_main(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearpeer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nearpeer", *args])


if __name__ == "__main__":
    main()
