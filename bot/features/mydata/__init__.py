"""A fan's data rights over everything every installed feature holds: explain, export, delete."""

from __future__ import annotations

from bot.feature import Deps, Feature
from bot.features.mydata.commands import DataRightsCommands
from storage.rights import RightsRepo


def build(deps: Deps) -> Feature:
    commands = DataRightsCommands(RightsRepo(deps.db), deps.data_rights)
    return Feature(
        name="mydata",
        commands=tuple(commands.specs()),
        buttons={"mydata.delete": commands.press_delete},
    )
