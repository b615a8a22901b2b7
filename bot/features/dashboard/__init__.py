"""The dashboard in chat: /dashboard sends a moderator or manager a private one-time sign-in link;
/dashboard signout ends their browser sessions. The pages themselves are each feature's views."""

from __future__ import annotations

from bot.dashboard.auth import SignIn, base_url
from bot.feature import DataRights, Deps, Feature, Job
from bot.features.dashboard.commands import DashboardCommands
from storage.repositories.dashboard import DashboardRepo
from storage.rights import dashboard as rights


def build(deps: Deps) -> Feature:
    http = deps.settings.http
    served = bool(http.listen or http.public_url)
    signin = SignIn(DashboardRepo(deps.db), deps.clock, base_url(http))
    commands = DashboardCommands(signin, served=served)
    return Feature(
        name="dashboard",
        commands=tuple(commands.specs()),
        jobs=(Job("dashboard-prune", signin.prune, every=3600),),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
