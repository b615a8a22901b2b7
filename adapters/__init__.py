"""Platform adapters: translate platform <-> core, nothing else.

Each subpackage publishes a :class:`bot.platforms.PlatformPlugin` as a ``fanloop.adapters`` entry
point (see ``pyproject.toml``); the core discovers them there and loads an adapter only when its
platform is configured.
"""
