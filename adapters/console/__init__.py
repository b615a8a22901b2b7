from adapters.console.adapter import ConsoleAdapter, parse_line

__all__ = ["ConsoleAdapter", "parse_line"]
