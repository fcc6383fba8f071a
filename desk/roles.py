"""The Moderators and Editors groups: exactly what each job needs, nothing more."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

MODERATOR_PERMISSIONS = [
    ("comments", "can_moderate"),
    ("comments", "view_comment"),
    ("desk", "view_reviewqueueitem"),
    ("comments", "view_moderationevent"),
    ("comments", "view_commentreport"),
    # Closing a story's comments, or pausing them all for a night, is a moderator's call too.
    ("commenters", "can_close_comments"),
    ("commenters", "view_controlevent"),
    # Warning, pre-moderating, suspending and banning commenters, and lifting it.
    ("commenters", "can_sanction"),
    ("articles", "view_article"),
    # A decision emails the commenter; when one says they never heard back, the moderator who decided looks up
    # whether the email went out or why it failed (read-only: the outbox's task alone writes it).
    ("outbox", "view_outboundemail"),
    # Their own API tokens, for their own tools: the API then allows what the permissions above allow.
    ("api", "view_apitoken"),
    ("api", "add_apitoken"),
    ("api", "change_apitoken"),
]


def ensure_moderators_group() -> Group:
    group, _ = Group.objects.get_or_create(name="Moderators")
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(perms)
    return group


# Editors run the site's comments: articles, the policy, the simulator's runs, story settings and the pause,
# on top of everything a moderator does.
EDITOR_PERMISSIONS = [
    *MODERATOR_PERMISSIONS,
    ("articles", "add_article"),
    ("articles", "change_article"),
    ("policies", "view_moderationpolicy"),
    ("policies", "add_moderationpolicy"),
    ("policies", "change_moderationpolicy"),
    ("lab", "view_simulationrun"),
    # The site's trained models and what was done with them (the training page itself needs change_moderationpolicy).
    ("policies", "view_learnedmodel"),
    ("policies", "view_modelevent"),
    ("commenters", "view_storysettings"),
    ("commenters", "view_sanction"),
    # The newsroom's own sites that embed the comments (their origin and signing secret), and the readers
    # they signed in.
    ("embeds", "view_site"),
    ("embeds", "add_site"),
    ("embeds", "change_site"),
    ("embeds", "view_sitereader"),
    # Moderator alerts by email or webhook (a webhook's secret and address are an editor's to give), and
    # their delivery log.
    ("outbox", "view_alertsubscription"),
    ("outbox", "add_alertsubscription"),
    ("outbox", "change_alertsubscription"),
    ("outbox", "delete_alertsubscription"),
    ("outbox", "view_alertdelivery"),
    ("outbox", "view_deliveryattempt"),
]


def ensure_editors_group() -> Group:
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in EDITOR_PERMISSIONS]
    )
    return group
