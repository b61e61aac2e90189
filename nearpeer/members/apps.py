from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "nearpeer.members"
    label = "members"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import RoleGrant, bump_roles

        def changed(sender, instance, **kwargs):
            bump_roles([instance.user_id])

        # Saves, deletes and cascades (a user's erasure or deletion) bump that user's roles.
        post_save.connect(changed, sender=RoleGrant, weak=False, dispatch_uid="members-roles-save")
        post_delete.connect(changed, sender=RoleGrant, weak=False, dispatch_uid="members-roles-del")
