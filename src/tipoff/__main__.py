"""Run the command-line interface: ``python -m tipoff``."""

from tipoff.cli import main

if __name__ == "__main__":
    main()
