"""Platform adapters: translate platform <-> core, nothing else.

Each subpackage exposes one class implementing :class:`bot.adapter.Adapter`; the
composition root (:mod:`bot.app`) imports them by name only when configured.
"""
