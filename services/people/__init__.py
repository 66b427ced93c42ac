"""People: users (with their Cognito identity) and profiles; a team is the profiles whose
manager is a user. Other capabilities in services/ use people only through what this module
declares (an import-linter contract); graph/ and resolvers/ may use its modules."""

from services.people.profiles import team_ids, update_profile
from services.people.records import Profile, User
from services.people.search import searchable_person
from services.people.users import (
    NewProfile,
    create_user,
    deactivate_user,
    find_by_email,
    get_user,
    get_users,
    reactivate_user,
    sign_out_user,
)
from services.people.viewers import viewer_for

__all__ = [
    "NewProfile",
    "Profile",
    "User",
    "create_user",
    "deactivate_user",
    "find_by_email",
    "get_user",
    "get_users",
    "reactivate_user",
    "searchable_person",
    "sign_out_user",
    "team_ids",
    "update_profile",
    "viewer_for",
]
