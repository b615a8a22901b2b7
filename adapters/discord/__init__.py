from adapters.discord.adapter import DiscordAdapter, point_at

__all__ = ["DiscordAdapter", "point_at"]
